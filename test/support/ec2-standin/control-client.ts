import { request } from "node:http";
import type { Ec2Call } from "./call-log";
import { controlPrefix } from "./control-api";
import type { Ec2Fault, FaultState } from "./faults";
import type { WorldSnapshot } from "./snapshot";
import type { InstanceStateName } from "./world-spec";

// A client of the control API for code outside the stand-in's process: the lab (over the Unix
// socket, since the server lives in another network namespace) and the out-of-process IMDS (over
// HTTP). Every request has a timeout.

export type ControlEndpoint = { url: string; timeoutMs?: number } | { socketPath: string; timeoutMs?: number };

export class StandinControlClient {
  constructor(private readonly endpoint: ControlEndpoint) {}

  world(): Promise<WorldSnapshot> {
    return this.call("GET", "world");
  }

  calls(since = 0): Promise<Ec2Call[]> {
    return this.call("GET", `calls?since=${since}`);
  }

  async clearCalls(): Promise<void> {
    await this.call("DELETE", "calls");
  }

  faults(): Promise<FaultState> {
    return this.call("GET", "faults");
  }

  async inject(fault: Ec2Fault | Ec2Fault[]): Promise<void> {
    await this.call("POST", "faults", fault);
  }

  async clearFaults(): Promise<void> {
    await this.call("DELETE", "faults");
  }

  startInstance(instanceId: string): Promise<{ instanceId: string; state: InstanceStateName }> {
    return this.call("POST", `instances/${encodeURIComponent(instanceId)}/start`);
  }

  /** Whether the server answers at all. */
  async healthy(): Promise<boolean> {
    try {
      await this.call("GET", "health");
      return true;
    } catch {
      return false;
    }
  }

  private call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const socketPath = "socketPath" in this.endpoint ? this.endpoint.socketPath : undefined;
    const url = new URL(controlPrefix + path, "url" in this.endpoint ? this.endpoint.url : "http://localhost");
    const timeoutMs = this.endpoint.timeoutMs ?? 2_000;
    return new Promise<T>((resolve, reject) => {
      const req = request(
        url,
        {
          method,
          ...(socketPath === undefined ? {} : { socketPath }),
          headers: payload === undefined ? {} : { "content-type": "application/json", "content-length": Buffer.byteLength(payload) },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            if (res.statusCode !== 200) reject(new Error(`EC2 stand-in control ${method} ${path}: HTTP ${res.statusCode} ${text}`));
            else {
              try {
                resolve(JSON.parse(text) as T);
              } catch (e) {
                reject(new Error(`EC2 stand-in control ${method} ${path}: bad JSON (${(e as Error).message})`));
              }
            }
          });
          res.on("error", reject);
        },
      );
      req.on("timeout", () => req.destroy(new Error(`EC2 stand-in control ${method} ${path}: no answer within ${timeoutMs} ms`)));
      req.on("error", reject);
      req.end(payload);
    });
  }
}

import { startEc2Server, type Ec2Server } from "../support/ec2-standin/server";
import type { WorldSpec } from "../support/ec2-standin/world-spec";
import { startImdsServer, type ImdsServer } from "../support/imds-standin/server";
import { nodeA, region } from "./bench-cluster";

// EC2 and node A's IMDS, both on loopback in this process. Every run gets a freshly seeded EC2
// (so node B holds everything again); IMDS stays up and always reads the current world.

export class BenchCloud {
  private constructor(
    private readonly imds: ImdsServer,
    private readonly latencyMs: number,
    private readonly current: { ec2?: Ec2Server },
  ) {}

  static async start(latencyMs: number): Promise<BenchCloud> {
    const current: { ec2?: Ec2Server } = {};
    const imds = await startImdsServer({
      instanceId: nodeA.instanceId,
      world: () => {
        if (!current.ec2) throw new Error("no EC2 world seeded");
        return current.ec2.world;
      },
    });
    return new BenchCloud(imds, latencyMs, current);
  }

  /** A fresh EC2 stand-in seeded with `spec`, every EC2 call delayed by the latency. */
  async reset(spec: WorldSpec): Promise<Ec2Server> {
    await this.current.ec2?.close();
    const ec2 = await startEc2Server({ spec });
    this.current.ec2 = ec2;
    if (this.latencyMs > 0) ec2.faults.inject({ kind: "latency", ms: this.latencyMs });
    return ec2;
  }

  get server(): Ec2Server {
    if (!this.current.ec2) throw new Error("no EC2 world seeded");
    return this.current.ec2;
  }

  get region(): string {
    return region;
  }

  get imdsUrl(): string {
    return this.imds.url;
  }

  /** What node A's processes see: the stand-ins, fake static credentials (no IMDS credential look-up), no syslog. */
  nodeEnv(): Record<string, string> {
    return {
      AWS_ENDPOINT_URL_EC2: this.server.url,
      AWS_EC2_METADATA_SERVICE_ENDPOINT: this.imds.url,
      AWS_ACCESS_KEY_ID: "AKIABENCHBENCHBENCH0",
      AWS_SECRET_ACCESS_KEY: "bench-secret-bench-secret-bench-secret-0",
      AWS_REGION: this.region,
      AWS_HA_SYSLOG: "off",
    };
  }

  async close(): Promise<void> {
    await this.current.ec2?.close();
    delete this.current.ec2;
    await this.imds.close();
  }
}

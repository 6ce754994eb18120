import { request } from "node:http";

// A plain HTTP exchange with a text answer, for the metadata service. node:http rather than the
// global fetch: fetch loads undici and compiles its WebAssembly HTTP parser on first use, which
// costs a cold notify process more than every metadata request together.

export interface TextAnswer {
  status: number;
  body: string;
}

export interface TextRequest {
  method: "GET" | "PUT";
  headers: Record<string, string>;
  /** Bounds the whole exchange, body included: a service that sends headers and then stalls still times out. */
  timeoutMs: number;
}

/** Rejects with an error named "TimeoutError" when the time is up, else with the socket's error (its `code`, e.g. ECONNREFUSED). */
export function requestText(url: string, options: TextRequest): Promise<TextAnswer> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    const req = request(url, { method: options.method, headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => settle(() => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") })));
      res.on("error", (e) => settle(() => reject(e)));
    });
    const timer = setTimeout(() => {
      const timeout = new Error(`no answer within ${options.timeoutMs} ms`);
      timeout.name = "TimeoutError";
      settle(() => reject(timeout));
      req.destroy();
    }, options.timeoutMs);
    req.on("error", (e) => settle(() => reject(e)));
    req.end();
  });
}

import { request } from "node:http";

// A plain HTTP exchange with a text answer, for the metadata service. node:http rather than the
// global fetch: fetch loads undici and compiles its WebAssembly HTTP parser on first use, which
// costs a cold notify process more than every metadata request together.

export interface TextAnswer {
  status: number;
  body: string;
}

interface TextRequest {
  method: "GET" | "PUT";
  headers: Record<string, string>;
  /** Bounds the whole exchange, body included: a service that sends headers and then stalls still times out. */
  timeoutMs: number;
  /** Bounds the body: a longer one ends the exchange, so a broken or hostile service cannot fill this process's memory. */
  maxBytes: number;
}

/** The answer's body passed `limit` bytes (or said it would): the exchange was cut off. */
export class AnswerTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`the answer is longer than ${limit} bytes`);
    this.name = "AnswerTooLarge";
  }
}

/**
 * Rejects with an error named "TimeoutError" when the time is up, with AnswerTooLarge for a body over
 * `maxBytes`, else with the socket's error (its `code`, e.g. ECONNREFUSED).
 */
export function requestText(url: string, options: TextRequest): Promise<TextAnswer> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    const tooLarge = () => {
      settle(() => reject(new AnswerTooLarge(options.maxBytes)));
      req.destroy();
    };
    const req = request(url, { method: options.method, headers: options.headers }, (res) => {
      if (Number(res.headers["content-length"]) > options.maxBytes) return tooLarge();
      const chunks: Buffer[] = [];
      let received = 0;
      res.on("data", (chunk: Buffer) => {
        received += chunk.length;
        if (received > options.maxBytes) return tooLarge();
        chunks.push(chunk);
      });
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

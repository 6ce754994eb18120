import type { Readable } from "node:stream";
import { AwsHaError } from "../errors";

// How the AWS clients read an answer's body. The SDK's own collector first asks whether the body is
// a Blob or a web ReadableStream, and the first touch of those globals makes Node load its web
// streams, about 2 ms of every cold failover; an answer of node:http is always a Node stream.

/** Far above any answer of the calls aws-ha makes (they name what they ask for), far below harm. */
const maxBodyBytes = 32 * 1024 * 1024;

export function collectBody(stream: Readable): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on("data", (chunk: Buffer | string) => {
      const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      size += bytes.length;
      if (size > maxBodyBytes) {
        stream.destroy();
        reject(
          new AwsHaError("cloud", `an AWS answer was larger than ${maxBodyBytes / 1024 / 1024} MiB`, {
            fix: "check the endpoint and any proxy between this node and AWS (AWS_ENDPOINT_URL_*, HTTPS_PROXY)",
          }),
        );
        return;
      }
      chunks.push(bytes);
    });
    stream.once("end", () => {
      const whole = Buffer.concat(chunks, size);
      resolve(new Uint8Array(whole.buffer, whole.byteOffset, whole.byteLength));
    });
    stream.once("error", reject);
  });
}

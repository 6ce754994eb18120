import type { IncomingMessage, Server } from "node:http";
import type { AddressInfo } from "node:net";

// What the stand-ins (EC2, Route53, IMDS) do alike as HTTP servers: read a bounded body, delay an
// answer, listen on loopback, and close with every kept-alive connection.

/** Larger bodies are refused: no request of the clients under test comes near it. */
const maxBodyBytes = 1 << 20;

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) {
        reject(new Error("request body too large"));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** Injected latency; a request still waiting when the server closes is dropped with its connection. */
export function pause(ms: number, waits: Set<NodeJS.Timeout>): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      waits.delete(timer);
      resolve();
    }, ms);
    waits.add(timer);
  });
}

/** Stops listening and drops open connections, keep-alive ones included. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Listens on `host` (port 0: any free one) and answers the port it got. */
export async function listenOn(server: Server, host: string, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

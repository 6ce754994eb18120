import { createServer } from "node:net";

// An endpoint that refuses connections at once, for a metadata service or EC2 endpoint that is down.

/** A loopback port nothing listens on: bound, noted and closed again. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

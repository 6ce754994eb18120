import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";

// An HTTP server on 127.0.0.1 that a test scripts answer by answer. stop() also drops the
// connections a silent handler left open, so a test that never answers still ends.

export class LoopbackServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(handle: (req: IncomingMessage, res: ServerResponse) => void) {
    this.server = createServer(handle);
    this.server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
  }

  /** Listens on a free port; returns the base URL. */
  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    const address = this.server.address();
    if (!address || typeof address === "string") throw new Error("no port");
    return `http://127.0.0.1:${address.port}`;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

import { createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { openTunnel } from "../../src/cloud/proxy/connect-tunnel";
import { proxySettingsFrom } from "../../src/cloud/proxy/proxy-settings";

// A broken proxy on loopback that answers CONNECT one byte at a time, each byte well inside the
// connect timeout: the tunnel must still give up once the whole answer has taken longer than it.

let proxy: Server | undefined;
const clients: Socket[] = [];
afterEach(async () => {
  for (const c of clients) c.destroy();
  clients.length = 0;
  await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
  proxy = undefined;
});

describe("the CONNECT tunnel's bound", () => {
  it("ends a proxy that dribbles its answer after the connect timeout in all, not after a quiet gap", async () => {
    proxy = createServer((socket) => {
      clients.push(socket);
      socket.on("error", () => undefined);
      const answer = "HTTP/1.1 200 Connection established, very slowly, one byte every 100 ms\r\n\r\n";
      let sent = 0;
      const drip = setInterval(() => {
        if (socket.destroyed || sent >= answer.length) return clearInterval(drip);
        socket.write(answer[sent++]!);
      }, 100);
      socket.once("close", () => clearInterval(drip));
    });
    await new Promise<void>((resolve) => proxy!.listen(0, "127.0.0.1", resolve));
    const port = (proxy.address() as { port: number }).port;
    const choice = proxySettingsFrom({ https_proxy: `http://127.0.0.1:${port}` }).https!;

    const started = performance.now();
    const opened = openTunnel(choice, "ec2.eu-west-1.amazonaws.com", 443, 1_000);
    await expect(opened).rejects.toThrow(/ETIMEDOUT/);
    // The answer alone would take 7 s; each gap is 100 ms, far inside an idle timeout of 1 s.
    expect(performance.now() - started).toBeLessThan(3_000);
  });
});

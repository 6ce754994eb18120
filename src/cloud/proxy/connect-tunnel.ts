import { connect, isIPv6, type Socket } from "node:net";
import type { ProxyChoice } from "./proxy-settings";
import { proxyGarbled, proxyRefused, proxyUnreachable } from "./proxy-failure";

// One CONNECT exchange: a TCP connection to the proxy, `CONNECT host:port`, and once the proxy
// answers 2xx the same socket is a byte pipe to the endpoint, on which the caller speaks HTTP or
// TLS as if connected directly. Bounded by `timeoutMs` from the connect to the proxy's whole answer:
// one timer, not the socket's idle timeout, so a proxy that dribbles its answer a byte at a time
// cannot stretch it.

/** The longest answer head accepted from a proxy: a CONNECT answer is a few hundred bytes. */
const maxHeadBytes = 16 * 1024;

export function openTunnel(choice: ProxyChoice, host: string, port: number, timeoutMs: number): Promise<Socket> {
  const target = `${isIPv6(host) ? `[${host}]` : host}:${port}`;
  const { server } = choice;
  return new Promise((resolve, reject) => {
    const socket = connect({ host: server.host, port: server.port });
    let head = Buffer.alloc(0);
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    const onError = (e: NodeJS.ErrnoException) => fail(proxyUnreachable(choice, target, e.code ?? "ECONNRESET", e));
    const onEnd = () => fail(proxyUnreachable(choice, target, "ECONNRESET", new Error("the proxy closed the connection before answering")));
    const onTimeout = () =>
      fail(proxyUnreachable(choice, target, "ETIMEDOUT", new Error(`no answer from the proxy within ${timeoutMs} ms`)));
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end === -1) {
        if (head.length > maxHeadBytes)
          fail(proxyGarbled(choice, target, `more than ${maxHeadBytes} bytes without the end of an HTTP head`));
        return;
      }
      const statusLine = head.subarray(0, head.indexOf("\r\n")).toString("latin1");
      const status = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(statusLine);
      if (!status) return fail(proxyGarbled(choice, target, "an answer that is not HTTP"));
      const code = Number(status[1]);
      if (code < 200 || code > 299) return fail(proxyRefused(choice, target, code, status[2] ?? ""));
      // HTTP and TLS are spoken first by the client: a byte of the endpoint's before our request is not one.
      if (head.length > end + 4) return fail(proxyGarbled(choice, target, "bytes after its answer, before the request was sent"));
      settled = true;
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("error", onError);
      socket.off("end", onEnd);
      // Until the HTTP client or TLS takes the socket over (a tick later) an error must not go unheard.
      socket.on("error", () => undefined);
      resolve(socket);
    };
    const timer = setTimeout(onTimeout, timeoutMs);
    socket.on("error", onError);
    socket.on("end", onEnd);
    socket.on("data", onData);
    socket.once("connect", () => {
      const authorization = server.authorization ? `Proxy-Authorization: ${server.authorization}\r\n` : "";
      socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${authorization}\r\n`);
    });
  });
}

import { appendFileSync, chmodSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";

// A node's syslog: the Unix socket bind-mounted at the node's /dev/log. util-linux `logger` (which
// aws-ha-notify writes through) falls back to a stream socket when the socket is not a datagram
// one and then sends one RFC 3164 line per message; glibc's syslog(3) (keepalived, Heartbeat) does
// the same but ends each message with a NUL instead of a newline. Each line is stamped on arrival with the lab's
// clock, which is finer than syslog's whole seconds and shared by every node.

export interface SyslogLine {
  /** Epoch milliseconds at arrival. */
  at: number;
  tag: string;
  pid?: number;
  message: string;
}

const rfc3164 = /^<\d+>\w{3} [ \d]\d \d\d:\d\d:\d\d ([^\s[:]+)(?:\[(\d+)\])?: ?(.*)$/;

export class NodeSyslog {
  readonly lines: SyslogLine[] = [];
  private readonly server: Server;

  private constructor(
    readonly socketPath: string,
    private readonly logFile: string,
    server: Server,
  ) {
    this.server = server;
  }

  static async listen(socketPath: string, logFile: string): Promise<NodeSyslog> {
    rmSync(socketPath, { force: true });
    const server = createServer((connection) => {
      let partial = "";
      connection.setEncoding("utf8");
      connection.on("data", (chunk: string) => {
        const parts = (partial + chunk).split(/[\n\0]/);
        partial = parts.pop() ?? "";
        for (const raw of parts) receiver.receive(raw);
      });
      connection.on("error", () => undefined);
    });
    const receiver = new NodeSyslog(socketPath, logFile, server);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(socketPath, resolve);
    });
    chmodSync(socketPath, 0o666);
    return receiver;
  }

  /** Lines of one program (e.g. "aws-ha-notify"), oldest first. */
  linesOf(tag: string): SyslogLine[] {
    return this.lines.filter((l) => l.tag === tag);
  }

  close(): void {
    this.server.close();
    rmSync(this.socketPath, { force: true });
  }

  private receive(raw: string): void {
    if (!raw.trim()) return;
    const m = rfc3164.exec(raw);
    const line: SyslogLine = m
      ? { at: Date.now(), tag: m[1]!, ...(m[2] ? { pid: Number(m[2]) } : {}), message: m[3]! }
      : { at: Date.now(), tag: "", message: raw };
    this.lines.push(line);
    try {
      appendFileSync(this.logFile, `${new Date(line.at).toISOString()} ${line.tag}${line.pid ? `[${line.pid}]` : ""}: ${line.message}\n`);
    } catch {
      // the log file is a convenience for humans; the lines stay in memory
    }
  }
}

import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Holding, Outcome, Resource } from "../../src/kinds/resource";
import { formatText, Logger, type LogRecord } from "../../src/log";
import { journalPath } from "../../src/record/journal";
import { concludeTransition } from "../../src/session/session";
import { runTransition, type Ports } from "../../src/transition/runner";
import { a, clusterOf, identityOf } from "./support/cluster";

// The closing line says what happened as soon as it has happened: the event's bookkeeping (its
// ticket marked done, the lock given back) and its record (journal, metrics) follow it, and are
// over by the time the front end answers, so that the next event never finds the lock still held.

class PeerVip implements Resource {
  readonly kind = "vip" as const;
  readonly name = "web-vip";
  readonly dependsOn = [];
  readonly inspectable = true;
  private mine = false;
  async inspect(): Promise<Holding> {
    return { held: this.mine, detail: this.mine ? "here" : "on b" };
  }
  summary(): string {
    return "vip 10.0.1.100";
  }
  async acquire(): Promise<Outcome> {
    this.mine = true;
    return "changed";
  }
  async release(): Promise<Outcome> {
    return "unchanged";
  }
}

const identity = identityOf(a);

describe("the end of a transition", () => {
  it("logs the closing line while the node's lock is still held, and has given it back and recorded the transition when it returns", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aws-ha-conclude-"));
    const description = clusterOf([], { paths: { runDir: join(dir, "run"), historyDir: join(dir, "history") } });
    const lockPath = join(description.paths.runDir, "web.lock");
    const seen: { line: string; lockHeld: boolean; journalled: boolean }[] = [];
    const log = new Logger([
      {
        write: (r: LogRecord) =>
          void seen.push({
            line: formatText(r),
            lockHeld: existsSync(lockPath),
            journalled: existsSync(journalPath(description.paths.historyDir)),
          }),
        close: async () => undefined,
      },
    ]);
    const ports: Ports = {
      description,
      imds: { identity: async () => identity, interfaceIdOf: async () => identity.networkInterfaceId },
      ec2: () => ({}) as never,
      host: {} as never,
      log,
      resources: [new PeerVip()],
    };

    const report = await runTransition(ports, { direction: "acquire", cause: "MASTER" });
    if (report.status !== "done") throw new Error(`expected a done report, got ${report.status}`);
    await concludeTransition(ports, report, 12, { itemise: true });

    const closing = seen.find((s) => s.line.startsWith("acquire done"));
    expect(closing).toMatchObject({ lockHeld: true, journalled: false });
    expect(existsSync(lockPath)).toBe(false);
    expect(readFileSync(journalPath(description.paths.historyDir), "utf8")).toContain('"event":"MASTER"');
  });
});

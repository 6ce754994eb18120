import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Holding, Outcome, Resource, TransitionContext } from "../../src/kinds/resource";
import { runTransition, type Ports } from "../../src/transition/runner";
import { Logger } from "../../src/log";
import { CommandLedger } from "../../src/transition/leftover-commands";
import { isRunning, statOf } from "../../src/transition/process-start";
import { memoryLog } from "./support/memory-log";
import { a, clusterOf, identityOf } from "./support/cluster";

/** A resource whose holder is a shared variable, slow enough for events to overlap. */
class Shared implements Resource {
  readonly kind = "vip" as const;
  readonly dependsOn = [];
  readonly inspectable = true;
  mutations = 0;
  constructor(
    readonly name: string,
    public holder: "me" | "peer",
  ) {}
  async inspect(): Promise<Holding> {
    return { held: this.holder === "me", detail: this.holder };
  }
  summary(action: "acquire" | "release"): string {
    return `vip ${this.name} ${action === "acquire" ? "taken" : "given up"}`;
  }
  /** Called as the resource starts to change. */
  onChange?: () => void;
  async acquire(): Promise<Outcome> {
    this.onChange?.();
    await new Promise((r) => setTimeout(r, 30));
    this.mutations++;
    this.holder = "me";
    return "changed";
  }
  async release(_ctx: TransitionContext): Promise<Outcome> {
    this.onChange?.();
    await new Promise((r) => setTimeout(r, 30));
    this.mutations++;
    this.holder = "peer";
    return "changed";
  }
}

const identity = identityOf(a);

function worldWith(resource: Shared): Ports {
  const description = clusterOf([], { paths: { runDir: mkdtempSync(join(tmpdir(), "aws-ha-runner-")) } });
  return {
    description,
    imds: { identity: async () => identity, interfaceIdOf: async () => identity.networkInterfaceId },
    ec2: () => ({}) as never,
    host: {} as never,
    log: new Logger([]),
    resources: [resource],
  };
}

describe("a transition", () => {
  it("re-running an acquire that already holds everything makes no mutating call", async () => {
    const vip = new Shared("vip", "peer");
    const world = worldWith(vip);
    await runTransition(world, { direction: "acquire", cause: "master" });
    const report = await runTransition(world, { direction: "acquire", cause: "master" });
    expect(vip.mutations).toBe(1);
    expect(report).toMatchObject({ status: "done", results: [] });
  });

  it("master, backup, master fired at once ends with the newest: held here, superseded events skipped", async () => {
    const vip = new Shared("vip", "peer");
    const world = worldWith(vip);
    const reports = await Promise.all(
      (["master", "backup", "master"] as const).map((cause) =>
        runTransition(world, { direction: cause === "master" ? "acquire" : "release", cause }),
      ),
    );
    expect(vip.holder).toBe("me");
    expect(reports.filter((r) => r.status === "superseded").length).toBeGreaterThanOrEqual(1);
    expect(reports[2]!.status).toBe("done");
  });

  it("a skipped event says which event won: its word and direction", async () => {
    const vip = new Shared("vip", "peer");
    const { log, lines } = memoryLog();
    const world = { ...worldWith(vip), log };
    const [first, second] = await Promise.all([
      runTransition(world, { direction: "acquire", cause: "MASTER" }),
      runTransition(world, { direction: "release", cause: "BACKUP" }),
    ]);
    expect(second!.status).toBe("done");
    expect(first).toEqual({ status: "superseded", by: { word: "BACKUP", direction: "release" } });
    expect(lines).toContainEqual(expect.stringMatching(/^skipped: superseded by BACKUP \(release\) that arrived later .*event=MASTER/));
    expect(vip.holder).toBe("peer");
  });

  it("a skipped event looks at nothing: only the event that won inspects", async () => {
    const vip = new Shared("vip", "peer");
    const inspections: string[] = [];
    const look = vip.inspect.bind(vip);
    vip.inspect = async () => {
      inspections.push("look");
      return look();
    };
    const world = worldWith(vip);
    const [first, second] = await Promise.all([
      runTransition(world, { direction: "acquire", cause: "MASTER" }),
      runTransition(world, { direction: "release", cause: "BACKUP" }),
    ]);
    expect(first!.status).toBe("superseded");
    expect(second!.status).toBe("done");
    expect(inspections).toEqual(["look"]);
  });

  it("refuses a run directory that others may write, before anything changes", async () => {
    const vip = new Shared("vip", "peer");
    const world = worldWith(vip);
    chmodSync(world.description.paths.runDir, 0o777);
    await expect(runTransition(world, { direction: "acquire", cause: "master" })).rejects.toMatchObject({
      kind: "config",
      message: expect.stringContaining("is writable by others"),
    });
    expect(vip.mutations).toBe(0);
    expect(readdirSync(world.description.paths.runDir)).toEqual([]);
  });

  it("does not start while a command of an earlier, killed transition still runs: it waits, then stops it", async () => {
    const vip = new Shared("vip", "peer");
    const world = worldWith(vip);
    const ledger = await CommandLedger.open(world.description.paths.runDir, "web");
    // The release hook of a transition whose notify process keepalived SIGKILLed: its own group.
    const hook = spawn("sh", ["-c", "sleep 30"], { detached: true, stdio: "ignore" });
    ledger.started(hook.pid!, ["hook.sh", "release"]);
    const leftover = { pid: hook.pid!, start: statOf(hook.pid!)!.start };
    let leftoverRanAtChange: boolean | undefined;
    vip.onChange = () => (leftoverRanAtChange ??= isRunning(leftover));
    try {
      const report = await runTransition(
        world,
        { direction: "acquire", cause: "master" },
        { leftovers: { graceMs: 200, termMs: 500, killMs: 500 } },
      );
      expect(report.status).toBe("done");
      expect(leftoverRanAtChange).toBe(false);
      expect(existsSync(`/proc/${hook.pid}`) && isRunning(leftover)).toBe(false);
      expect(readdirSync(`${world.description.paths.runDir}/web.commands`)).toEqual([]);
    } finally {
      hook.kill("SIGKILL");
    }
  });

  it("acts on what it finds once an earlier, killed transition's command has ended, not on what it saw while it ran", async () => {
    const vip = new Shared("vip", "me");
    const world = worldWith(vip);
    const ledger = await CommandLedger.open(world.description.paths.runDir, "web");
    // The release of a transition keepalived SIGKILLed still runs in its own group: until it ends,
    // the VIP still looks held here; once it ends, the peer has it.
    const release = spawn("sh", ["-c", "sleep 30"], { detached: true, stdio: "ignore" });
    ledger.started(release.pid!, ["release-hook.sh"]);
    const leftover = { pid: release.pid!, start: statOf(release.pid!)!.start };
    const looks: string[] = [];
    vip.inspect = async () => {
      const holder = isRunning(leftover) ? "me" : "peer";
      looks.push(holder);
      return { held: holder === "me", detail: holder };
    };
    try {
      const report = await runTransition(
        world,
        { direction: "acquire", cause: "master" },
        { leftovers: { graceMs: 100, termMs: 500, killMs: 500 } },
      );
      expect(report.status).toBe("done");
      expect(looks.at(-1)).toBe("peer");
      expect(vip.mutations).toBe(1);
      expect(vip.holder).toBe("me");
    } finally {
      release.kill("SIGKILL");
    }
  });

  it("a dry run plans and changes nothing", async () => {
    const vip = new Shared("vip", "peer");
    const report = await runTransition(worldWith(vip), { direction: "acquire", cause: "master" }, { dryRun: true });
    expect(report.status).toBe("planned");
    expect(vip.mutations).toBe(0);
    expect(vip.holder).toBe("peer");
  });

  it("--only with a name that matches nothing is a usage error naming the choices", async () => {
    await expect(
      runTransition(worldWith(new Shared("vip", "peer")), { direction: "acquire", cause: "master" }, { only: ["volume"] }),
    ).rejects.toMatchObject({
      kind: "usage",
      message: expect.stringContaining("--only volume"),
    });
  });
});

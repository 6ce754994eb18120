import { execFileSync } from "node:child_process";
import { closeSync, constants, existsSync, mkdirSync, openSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { nodeA, resource } from "./support/cluster-fixture";
import { startTwoNodeWorld, type TwoNodeWorld } from "./support/two-node-world";
import { sleep, waitFor } from "./support/wait";
import { cloudHolders } from "./support/world-view";

// keepalived's notify FIFO is the one channel that delivers events in order. keepalived holds the
// FIFO open read-write, writes one line per event, and `aws-ha-notify fifo` reads them. Here the
// scenario plays keepalived: it holds the FIFO open, writes a burst of lines, then closes it (as
// keepalived does when it exits), which ends the reader.

let world: TwoNodeWorld | undefined;
let writer: number | undefined;
afterEach(async () => {
  if (writer !== undefined) closeSync(writer);
  writer = undefined;
  await world?.close();
  world = undefined;
});

/** The events the reader's log mentions, in log order: each either run to the end or skipped for a newer one. */
function loggedEvents(stderr: string): string[] {
  return stderr
    .split("\n")
    .flatMap((line) => /^(?:(?:acquire|release) done|skipped: a newer event arrived)\b.*\bevent=(\w+)/.exec(line)?.[1] ?? []);
}

/** The events the reader skipped for a newer one that queued up behind them, with the one that won. */
function skippedEvents(stderr: string): { event: string; supersededBy: string }[] {
  return stderr.split("\n").flatMap((line) => {
    if (!line.includes("skipped: a newer event arrived")) return [];
    const m = /\bevent=(\w+).*\bsupersededBy=(?:"([^"]*)"|(\S+))/.exec(line);
    return m ? [{ event: m[1]!, supersededBy: m[2] ?? m[3]! }] : [{ event: "?", supersededBy: line }];
  });
}

/** keepalived's side: it makes the FIFO, holds it open read-write and starts the reader on it. */
function listenAsKeepalived(node: TwoNodeWorld["a"]): { reader: ReturnType<TwoNodeWorld["a"]["start"]>; fd: number } {
  const fifo = join(node.dir, "notify.fifo");
  execFileSync("mkfifo", ["-m", "0600", fifo]);
  const fd = openSync(fifo, constants.O_RDWR);
  writer = fd;
  return { reader: node.start(["fifo", fifo]), fd };
}

describe("aws-ha-notify fifo, fed a burst of keepalived's notify lines", () => {
  it("handles them in the order written, acts only on the newest of those that queued up, and ends in the state of the last line", async () => {
    world = await startTwoNodeWorld({ resources: (node) => [resource.vip(true), resource.hook(node), resource.service(node)] });
    const { a } = world;
    const { reader, fd } = listenAsKeepalived(a);
    const say = (...states: ("MASTER" | "BACKUP")[]) =>
      // One write(2) of less than PIPE_BUF bytes: the reader gets the lines together, as one burst.
      writeSync(fd, states.map((state) => `INSTANCE "VI_1" ${state} ${state === "MASTER" ? 150 : 100}\n`).join(""));

    say("MASTER");
    await waitFor("the first MASTER line to be acted on", () => a.scripts.serviceRunning() && !existsSync(a.lockFile));
    // The node's lock is busy (as while a notify process of another event runs) when the burst comes:
    // the reader takes its first line and waits for the lock, and the rest queues up behind it.
    const lock = a.holdLock();
    say("BACKUP");
    await waitFor("the first BACKUP line to wait for the lock", () => a.tickets().length === 2);
    const queued = ["MASTER", "BACKUP", "MASTER", "BACKUP"] as const;
    say(...queued);
    lock.release();
    closeSync(fd);
    writer = undefined;
    const ended = await reader.finished;

    expect(ended.code, ended.stderr).toBe(0);
    expect(loggedEvents(ended.stderr)).toEqual(["MASTER", "BACKUP", ...queued]);
    // Of the lines that queued up while the first BACKUP ran, only the newest ran.
    expect(skippedEvents(ended.stderr)).toEqual([
      { event: "MASTER", supersededBy: "BACKUP (release)" },
      { event: "BACKUP", supersededBy: "BACKUP (release)" },
      { event: "MASTER", supersededBy: "BACKUP (release)" },
    ]);
    // The last line was BACKUP: the service is stopped and the VIP (release: true) given up.
    expect(a.scripts.serviceRunning()).toBe(false);
    expect(cloudHolders(world.snapshot()).vip).toBe("nobody");
    // MASTER started the service, the first BACKUP stopped it, the last one ran the hook again only.
    expect(a.scripts.journal()).toEqual(["acquire", "start", "stop", "release", "release"]);
    expect(world.snapshot().interfaces.find((e) => e.instanceId === nodeA.instanceId)!.privateIps).toEqual([nodeA.address]);
  });

  it("at keepalived's shutdown (SIGTERM, then the STOP line, then SIGKILL after 1 s) the release finishes in a detached worker", async () => {
    world = await startTwoNodeWorld({ resources: (node) => [resource.vip(true), resource.service(node)] });
    const { a } = world;
    const { reader, fd } = listenAsKeepalived(a);
    writeSync(fd, 'INSTANCE "VI_1" MASTER 150\n');
    await waitFor("the MASTER line to be acted on", () => a.scripts.serviceRunning());
    // Slow EC2: the release takes longer than the second keepalived allows.
    world.ec2.faults.inject({ kind: "latency", ms: 1_500, action: "UnassignPrivateIpAddresses" });

    // keepalived signals the reader before it writes the STOP lines, then closes and removes the FIFO.
    reader.killGroup("SIGTERM");
    await sleep(50);
    writeSync(fd, 'INSTANCE "VI_1" STOP 150\n');
    closeSync(fd);
    writer = undefined;
    await sleep(1_000);
    reader.killGroup("SIGKILL");
    await reader.exited;
    expect(cloudHolders(world.snapshot()).vip).toBe("node-a");

    await waitFor("the detached worker to give the VIP up", () => cloudHolders(world!.snapshot()).vip === "nobody", 15_000);
    await waitFor("the lock to be released", () => !existsSync(a.lockFile), 5_000);
    expect(a.scripts.serviceRunning()).toBe(false);
    expect(reader.stderr).toMatch(/keepalived is stopping: reading the FIFO to its end/);
  });

  it("ignores lines that change nothing, and a line it cannot read, and goes on", async () => {
    world = await startTwoNodeWorld({ resources: (node) => [resource.vip(true), resource.service(node)] });
    const { a } = world;
    const { reader, fd } = listenAsKeepalived(a);

    writeSync(
      fd,
      'INSTANCE "VI_1" MASTER_RX_LOWER_PRI 150\nINSTANCE "VI_1" SOMETHING 150\nnot a notify line\nINSTANCE "VI_1" MASTER 150\n',
    );
    await waitFor("the MASTER line to be acted on", () => a.scripts.serviceRunning());
    closeSync(fd);
    writer = undefined;
    const ended = await reader.finished;

    expect(ended.code, ended.stderr).toBe(0);
    expect(ended.stderr).toMatch(/WARN ignored an unreadable FIFO line .*SOMETHING/);
    expect(loggedEvents(ended.stderr)).toEqual(["MASTER"]);
    expect(cloudHolders(world.snapshot()).vip).toBe("node-a");
  });
});

describe("keepalived's words, read from their end", () => {
  it("a FIFO line whose instance name holds a double quote still moves the resources", async () => {
    world = await startTwoNodeWorld({ resources: (node) => [resource.vip(true), resource.service(node)] });
    const { a } = world;
    const { reader, fd } = listenAsKeepalived(a);

    // keepalived writes the name between double quotes without escaping the ones inside it.
    writeSync(fd, 'INSTANCE "VI"1" MASTER 100\n');
    await waitFor("the MASTER line to be acted on", () => a.scripts.serviceRunning());
    writeSync(fd, 'INSTANCE "VI"1" BACKUP abc\n');
    closeSync(fd);
    writer = undefined;
    const ended = await reader.finished;

    expect(ended.code, ended.stderr).toBe(0);
    expect(loggedEvents(ended.stderr)).toEqual(["MASTER", "BACKUP"]);
    expect(ended.stderr).toMatch(/^WARN keepalived's priority "abc" is not a number; acting on BACKUP anyway .*instance=VI"1/m);
    expect(a.scripts.serviceRunning()).toBe(false);
    expect(cloudHolders(world.snapshot()).vip).toBe("nobody");
  });

  it("the generic notify with such a name, or a priority that is not a number, acquires as MASTER says", async () => {
    world = await startTwoNodeWorld({ resources: (node) => [resource.vip(true), resource.service(node)] });
    const { a } = world;

    const quoted = await a.run(["INSTANCE", 'VI"1', "MASTER", "100"]);
    expect(quoted.code, quoted.stderr).toBe(0);
    expect(quoted.stderr).not.toContain("changes nothing");
    expect(cloudHolders(world.snapshot()).vip).toBe("node-a");

    expect((await a.run(["backup"])).code).toBe(0);
    expect(cloudHolders(world.snapshot()).vip).toBe("nobody");

    const odd = await a.run(["INSTANCE", "VI_1", "MASTER", "abc"]);
    expect(odd.code, odd.stderr).toBe(0);
    expect(odd.stderr).toMatch(/^WARN keepalived's priority "abc" is not a number; acting on MASTER anyway/m);
    expect(cloudHolders(world.snapshot()).vip).toBe("node-a");
    expect(a.scripts.serviceRunning()).toBe(true);
  });
});

describe("aws-ha-notify fifo given a path that is no FIFO", () => {
  it("says so in one line and exits 2, whether the path is missing, a file or a directory", async () => {
    world = await startTwoNodeWorld({ resources: () => [resource.vip(true)] });
    const { a } = world;
    const file = join(a.dir, "plain-file");
    writeFileSync(file, 'INSTANCE "VI_1" MASTER 150\n');
    const directory = join(a.dir, "a-directory");
    mkdirSync(directory);
    const cases: [string, string][] = [
      [join(a.dir, "missing.fifo"), `there is no FIFO at ${join(a.dir, "missing.fifo")}`],
      [file, `${file} is a regular file, not a FIFO`],
      [directory, `${directory} is a directory, not a FIFO`],
    ];
    for (const [path, message] of cases) {
      const r = await a.run(["fifo", path], { timeoutMs: 15_000 });
      expect(r.code, `${path}: ${r.stderr}`).toBe(2);
      expect(r.stderr.trim().split("\n"), path).toHaveLength(1);
      expect(r.stderr).toContain(message);
      expect(r.stderr).not.toMatch(/\bat .*\.js|Error:/);
    }
    expect(world.mutatingCalls()).toEqual([]);
  });
});

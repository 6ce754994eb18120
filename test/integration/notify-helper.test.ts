import { chmodSync, chownSync, existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { renderHelperUnit } from "../../src/gen/helper-unit";
import { residentNode } from "../../src/gen/resident-node";
import { NotifyProcess, notifyBundle } from "./support/notify-cli";
import { ids, resource } from "./support/cluster-fixture";
import { heartbeatEipWorld } from "./support/heartbeat-eip-world";
import { builtCli, runCli } from "./support/run-cli";
import { startTwoNodeWorld, type SimulatedNode, type TwoNodeWorld } from "./support/two-node-world";
import { sleep, waitFor } from "./support/wait";
import { cloudHolders } from "./support/world-view";

// The resident helper (`aws-ha-notify serve`) for daemons that start one aws-ha-notify per event.
// Each such process offers its event on the helper's socket before it loads its bundle; with the
// debug switch it says which way the event went ("hand-over: …") and, when it loads the bundle
// itself, what the code cache did ("code cache: …"). Whatever is wrong with the helper, the process
// does the event itself and succeeds.

let world: TwoNodeWorld | undefined;
const helpers: NotifyProcess[] = [];
afterEach(async () => {
  for (const helper of helpers.splice(0)) {
    helper.killGroup("SIGCONT");
    helper.killGroup("SIGKILL");
    await helper.exited;
  }
  await world?.close();
  world = undefined;
});

const debug = { AWS_HA_CODE_CACHE_DEBUG: "1" };
const doneByHelper = /^hand-over: done by the helper$/m;
const bundleLoaded = /^code cache: /m;

/** VIP + EIP held by node B; node A's processes look for the helper in a directory of the world. */
async function startWorld(resources = () => [resource.vip(), resource.eip()]): Promise<{ w: TwoNodeWorld; socket: string }> {
  world = await startTwoNodeWorld({ resources });
  const socket = join(world.dir, "helper", "notify.sock");
  world.a.env.AWS_HA_HELPER_SOCKET = socket;
  return { w: world, socket };
}

async function startHelper(node: SimulatedNode): Promise<NotifyProcess> {
  const helper = node.start(["--verbose", "serve"], { timeoutMs: 120_000 });
  helpers.push(helper);
  await waitFor("the helper to listen", () => /serving events on/.test(helper.stderr) || helper.stderr.includes("aws-ha-notify serve:"));
  await waitFor("the helper to be ready for the first event", () => /ready for the first event/.test(helper.stderr));
  return helper;
}

/** The helper as the unit `aws-ha-gen all` renders starts it: its ExecStart= words, node found on PATH. */
async function startHelperAsRenderedUnit(node: SimulatedNode): Promise<NotifyProcess> {
  const unit = renderHelperUnit({ node: residentNode, notifyPath: notifyBundle, clusterPath: node.clusterFile, manPage: false });
  const execStart = /^ExecStart=(.+)$/m.exec(unit)?.[1];
  // Plain paths need no quoting: the line is the very words systemd runs.
  expect(execStart).toBeDefined();
  expect(execStart).not.toMatch(/["'%$\\]/);
  // systemd runs /usr/bin/env, which finds node on the service's PATH: here, this Node.js.
  const env = node.envWith({ PATH: `${dirname(process.execPath)}:${process.env.PATH ?? "/usr/bin:/bin"}` });
  const helper = new NotifyProcess([], env, 120_000, execStart!.split(" "));
  helpers.push(helper);
  await waitFor("the helper to listen", () => /serving events on/.test(helper.stderr) || helper.stderr.includes("aws-ha-notify serve:"));
  return helper;
}

const journal = (node: SimulatedNode) =>
  existsSync(join(node.historyDir, "journal.jsonl"))
    ? readFileSync(join(node.historyDir, "journal.jsonl"), "utf8")
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l) as { event: string; outcome: string })
    : [];

describe("aws-ha-notify with the resident helper", () => {
  it("hands keepalived's MASTER to the helper, which moves VIP and EIP; the process never loads its bundle and prints the helper's closing line", async () => {
    const { w } = await startWorld();
    const helper = await startHelper(w.a);

    const run = await w.a.run(["master"], { env: debug });

    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(doneByHelper);
    expect(run.stderr).not.toMatch(bundleLoaded);
    expect(run.stderr).toMatch(/^acquire done: vip .* eip .*$/m);
    expect(helper.stderr).toMatch(/acquire done: vip/);
    expect(cloudHolders(w.snapshot())).toMatchObject({ vip: "node-a", eip: "node-a" });
    expect(journal(w.a).map((e) => [e.event, e.outcome])).toEqual([["master", "done"]]);
  });

  it("started as the systemd unit aws-ha-gen renders starts it, takes keepalived's MASTER with the resident flags", async () => {
    const { w } = await startWorld();
    const helper = await startHelperAsRenderedUnit(w.a);
    expect(helper.stderr).not.toMatch(/aws-ha-notify serve:/);
    // /usr/bin/env replaced itself with node: the helper's own command line carries the flags.
    const cmdline = readFileSync(`/proc/${helper.pid}/cmdline`, "utf8").split("\0");
    expect(cmdline.slice(1, 1 + residentNode.length - 2)).toEqual(residentNode.slice(2));
    expect(cmdline).toContain(notifyBundle);

    const run = await w.a.run(["master"], { env: debug });

    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(doneByHelper);
    expect(helper.stderr).toMatch(/acquire done: vip/);
    expect(cloudHolders(w.snapshot())).toMatchObject({ vip: "node-a", eip: "node-a" });
  });

  it("takes Heartbeat's aws-ha-updateeip start, status and stop, answering the status text and exit codes its process would", async () => {
    world = await startTwoNodeWorld(heartbeatEipWorld);
    const w = world;
    w.a.env.AWS_HA_HELPER_SOCKET = join(w.dir, "helper", "notify.sock");
    await startHelper(w.a);
    const updateeip = (args: string[]) =>
      runCli([builtCli("aws-ha-updateeip"), ...args], w.a.envWith({ AWS_HA_CLUSTER: w.a.clusterFile, ...debug }));

    const start = await updateeip([ids.allocationId, "start"]);
    expect(start.code, start.stderr).toBe(0);
    expect(start.stderr).toMatch(doneByHelper);
    expect(start.stderr).not.toMatch(bundleLoaded);
    expect(w.association(ids.allocationId)).toMatchObject({ networkInterfaceId: w.a.networkInterfaceId, privateIp: w.a.address });

    const running = await updateeip([ids.allocationId, "status"]);
    expect(running.stderr).toMatch(doneByHelper);
    expect([running.code, running.stdout]).toEqual([0, `aws-ha-updateeip ${ids.allocationId} is running\n`]);

    const stop = await updateeip(["--release", ids.allocationId, "stop"]);
    expect(stop.stderr).toMatch(doneByHelper);
    expect(stop.code, stop.stderr).toBe(0);
    expect(w.association(ids.allocationId).networkInterfaceId).toBeUndefined();
    const stopped = await updateeip([ids.allocationId, "status"]);
    expect(stopped.stderr).toMatch(doneByHelper);
    expect([stopped.code, stopped.stdout]).toEqual([3, `aws-ha-updateeip ${ids.allocationId} is stopped\n`]);
  });

  it("takes an aws-ha-updateeip start that names its address and has no description, as Heartbeat's narrow use runs it", async () => {
    world = await startTwoNodeWorld(heartbeatEipWorld);
    const w = world;
    w.a.env.AWS_HA_HELPER_SOCKET = join(w.dir, "helper", "notify.sock");
    await startHelper(w.a);
    const env = w.a.envWith({ AWS_HA_CLUSTER: join(w.dir, "no-such-description.yaml"), ...debug });

    const start = await runCli([builtCli("aws-ha-updateeip"), ids.allocationId, "start"], env);

    expect(start.code, start.stderr).toBe(0);
    expect(start.stderr).toMatch(doneByHelper);
    expect(w.association(ids.allocationId)).toMatchObject({ networkInterfaceId: w.a.networkInterfaceId, privateIp: w.a.address });
  });

  it("keeps its compiled code for its next start once it has served an event, though it is stopped by a signal", async () => {
    const { w } = await startWorld();
    const env = { AWS_HA_CODE_CACHE_DIR: join(w.dir, "code-cache"), ...debug };
    w.a.env.AWS_HA_CODE_CACHE_DIR = env.AWS_HA_CODE_CACHE_DIR;
    w.a.env.AWS_HA_CODE_CACHE_DEBUG = "1";
    const first = await startHelper(w.a);
    expect(first.stderr).toMatch(/code cache: miss/);
    expect((await w.a.run(["master"], { env })).stderr).toMatch(doneByHelper);
    await waitFor("the compiled code to be kept", () => /code cache: \d+ ms to write/.test(first.stderr));
    first.killGroup("SIGKILL");
    await first.exited;

    const second = await startHelper(w.a);

    expect(second.stderr).toMatch(/code cache: hit/);
  });

  it("answers with the exit code a process of its own would give: a refused AssignPrivateIpAddresses fails the event alike", async () => {
    const { w } = await startWorld();
    w.ec2.faults.inject({ kind: "deny", actions: ["AssignPrivateIpAddresses"] });
    const alone = await w.a.run(["master"], { env: debug });
    expect(alone.stderr).toMatch(bundleLoaded);
    await startHelper(w.a);

    const handed = await w.a.run(["master"], { env: debug });

    expect(handed.stderr).toMatch(doneByHelper);
    expect(alone.code).not.toBe(0);
    expect(handed.code).toBe(alone.code);
    // The same error lines, durations aside.
    const errors = (text: string) =>
      text
        .split("\n")
        .filter((l) => l.startsWith("ERROR "))
        .map((l) => l.replace(/\bms=\d+/g, "ms=…").replace(/\(\d+(\.\d+)? s\)/g, "(… s)"));
    expect(errors(handed.stderr).length).toBeGreaterThan(0);
    expect(errors(handed.stderr)).toEqual(errors(alone.stderr));
  });

  it("answers Heartbeat's status on stdout as the process would, and its stop releases in the helper", async () => {
    const { w } = await startWorld();
    await startHelper(w.a);
    expect((await w.a.run(["start"], { env: debug })).code).toBe(0);

    const status = await w.a.run(["status"], { env: debug });
    expect(status.stderr).toMatch(doneByHelper);
    expect(status.code).toBe(0);
    expect(status.stdout).toBe("aws-ha itest is running\n");

    const stop = await w.a.run(["stop"], { env: debug });
    expect(stop.stderr).toMatch(doneByHelper);
    expect(stop.code, stop.stderr).toBe(0);
    expect(stop.stderr).toMatch(/release done/);
  });

  it("runs Pacemaker's OCF start, monitor and stop in the helper with the exit codes of the OCF protocol", async () => {
    // One Elastic IP on the primary address: an OCF stop gives it up, so monitor then says "not running".
    const { w } = await startWorld(() => [resource.eipOnPrimary()]);
    await startHelper(w.a);
    const ocf = (action: string, interval = "20000") =>
      new NotifyProcess(
        [action],
        w.a.envWith({
          ...debug,
          OCF_ROOT: "/usr/lib/ocf",
          OCF_RESOURCE_INSTANCE: "web-rsc",
          OCF_RESKEY_CRM_meta_interval: interval,
          OCF_RESKEY_CRM_meta_timeout: "20000",
          OCF_RESKEY_cluster: w.a.clusterFile,
        }),
        30_000,
      ).finished;

    const probe = await ocf("monitor", "0");
    const start = await ocf("start");
    const monitor = await ocf("monitor");
    const stop = await ocf("stop");
    const after = await ocf("monitor");

    for (const run of [probe, start, monitor, stop, after]) {
      expect(run.stderr).toMatch(doneByHelper);
      expect(run.stderr).not.toMatch(bundleLoaded);
    }
    expect([probe.code, start.code, monitor.code, stop.code, after.code]).toEqual([7, 0, 0, 0, 7]);
    expect(start.stderr).toMatch(/acquire done/);
  });

  it("stops on SIGTERM, removing its socket; a second helper refuses a socket a live one answers on", async () => {
    const { w, socket } = await startWorld();
    const helper = await startHelper(w.a);

    const second = await w.a.run(["serve"]);
    expect(second.code).not.toBe(0);
    expect(second.stderr).toMatch(/another aws-ha-notify serve answers on/);

    helper.killGroup("SIGTERM");
    expect((await helper.exited).code).toBe(0);
    expect(existsSync(socket)).toBe(false);
  });

  it("without a helper, does the event itself", async () => {
    const { w } = await startWorld();

    const run = await w.a.run(["master"], { env: debug });

    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^hand-over: no helper: ENOENT$/m);
    expect(run.stderr).toMatch(bundleLoaded);
    expect(cloudHolders(w.snapshot())).toMatchObject({ vip: "node-a", eip: "node-a" });
  });

  it("with the socket of a helper that died (nobody listens), does the event itself", async () => {
    const { w, socket } = await startWorld();
    const helper = await startHelper(w.a);
    helper.killGroup("SIGKILL");
    await helper.exited;
    expect(existsSync(socket)).toBe(true);

    const run = await w.a.run(["master"], { env: debug });

    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^hand-over: the helper's socket failed: ECONNREFUSED$/m);
    expect(run.stderr).toMatch(bundleLoaded);
    expect(cloudHolders(w.snapshot())).toMatchObject({ vip: "node-a", eip: "node-a" });
  });

  it("when the helper is killed in the middle of the event, does it itself; the second run finds what the first moved and finishes", async () => {
    const { w } = await startWorld();
    const helper = await startHelper(w.a);
    w.ec2.faults.inject({ kind: "latency", ms: 1_500, action: "AssignPrivateIpAddresses" });
    const event = w.a.start(["master"], { env: debug });
    await waitFor("the helper to start the event", () => /accepted an event/.test(helper.stderr));
    // Killed while it holds the node's lock, its VIP request in flight: the process must take the lock over.
    await waitFor("the helper to hold the node's lock", () => existsSync(w.a.lockFile));
    await sleep(300);
    helper.killGroup("SIGKILL");
    await helper.exited;
    w.ec2.faults.clear();

    const run = await event.finished;

    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^hand-over: the helper hung up before its last answer$/m);
    expect(run.stderr).toMatch(bundleLoaded);
    expect(cloudHolders(w.snapshot())).toMatchObject({ vip: "node-a", eip: "node-a" });
    // The helper died before the Elastic IP's turn: it was moved once, by the process itself.
    expect(w.mutatingCalls().filter((c) => c.action === "AssociateAddress")).toHaveLength(1);
    expect(journal(w.a).map((e) => [e.event, e.outcome])).toEqual([["master", "done"]]);
  });

  it("when the helper hangs (stopped), does the event itself within the acceptance bound", async () => {
    const { w } = await startWorld();
    const helper = await startHelper(w.a);
    helper.killGroup("SIGSTOP");

    const run = await w.a.run(["master"], { env: debug });

    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^hand-over: the helper did not accept within 50 ms$/m);
    expect(cloudHolders(w.snapshot())).toMatchObject({ vip: "node-a", eip: "node-a" });
    // Woken up, the helper finds the request of a process that is gone and does not run it again.
    helper.killGroup("SIGCONT");
    await waitFor("the helper to turn the stale request down", () =>
      /declined an event.*is gone|hung up before its event/.test(helper.stderr),
    );
    expect(w.mutatingCalls().filter((c) => c.action === "AssociateAddress")).toHaveLength(1);
    expect(journal(w.a).map((e) => [e.event, e.outcome])).toEqual([["master", "done"]]);
  });

  it("does not use a socket owned by another user", async () => {
    const { w, socket } = await startWorld();
    await startHelper(w.a);
    chownSync(socket, 65534, 65534);

    const run = await w.a.run(["master"], { env: debug });

    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^hand-over: .* is not a socket of this user's that only this user can use$/m);
    expect(run.stderr).toMatch(bundleLoaded);
  });

  it("does not use a socket in a directory others can write, and the helper refuses to serve from one", async () => {
    const { w, socket } = await startWorld();
    const helper = await startHelper(w.a);
    chmodSync(join(socket, ".."), 0o777);

    const run = await w.a.run(["master"], { env: debug });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^hand-over: .* is not a directory of this user's that nobody else can write$/m);
    expect(run.stderr).toMatch(bundleLoaded);

    helper.killGroup("SIGKILL");
    await helper.exited;
    const refused = await w.a.run(["serve"]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/is not a directory of this user's that nobody else can write/);
  });

  it("declines a process whose AWS environment differs, which then does the event itself", async () => {
    const { w } = await startWorld();
    const helper = await startHelper(w.a);

    const run = await w.a.run(["master"], { env: { ...debug, AWS_REGION: "eu-west-1" } });

    expect(run.stderr).toMatch(/^hand-over: the helper declined: its AWS_\* and proxy variables differ from the helper's$/m);
    expect(run.stderr).toMatch(bundleLoaded);
    expect(helper.stderr).toMatch(/declined an event/);
  });
});

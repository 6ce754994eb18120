import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { resource, type NodePaths, type ResourceInput } from "./support/cluster-fixture";
import { startTwoNodeWorld, type SimulatedNode, type TwoNodeWorld } from "./support/two-node-world";
import { sleep, waitFor } from "./support/wait";

// Hooks and services run in process groups of their own, so when keepalived SIGKILLs a notify
// process (its group), the command it was running lives on. The next transition must not start
// while that command still runs: releasing the application under a transition that just acquired
// it leaves it released while aws-ha reports master.

let world: TwoNodeWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** An operator's hook whose release takes `releaseSeconds`; it logs its steps and its PID. */
function slowHook(node: NodePaths, releaseSeconds: number): ResourceInput {
  const script = join(node.dir, "slow-hook.sh");
  writeFileSync(
    script,
    `#!/bin/sh
echo "$1 begins $$" >> '${join(node.dir, "hook-journal")}'
[ "$1" = release ] && sleep ${releaseSeconds}
echo "$1 ends" >> '${join(node.dir, "hook-journal")}'
`,
    { mode: 0o755 },
  );
  return { kind: "hook", name: "promote", acquire: [script, "acquire"], release: [script, "release"], timeout: 120 };
}

const journal = (node: SimulatedNode): string[] => {
  const path = join(node.dir, "hook-journal");
  return existsSync(path) ? readFileSync(path, "utf8").split("\n").filter(Boolean) : [];
};

const steps = (node: SimulatedNode) => journal(node).map((line) => line.replace(/ \d+$/, ""));

/** master, then a backup that keepalived SIGKILLs (its group) while the release hook runs. */
async function killedDuringRelease(node: SimulatedNode): Promise<number> {
  expect((await node.run(["master"])).code).toBe(0);
  const backup = node.start(["backup"]);
  const began = await waitFor("the release hook to begin", () => journal(node).find((l) => l.startsWith("release begins")));
  const hook = Number(began.split(" ").pop());
  // The notify process records the hook's group right after the fork; the hook can write its first
  // line before that. Killed in between, nothing would say the hook is one of aws-ha's.
  const commands = join(node.runDir, `${node.description.cluster}.commands`);
  await waitFor(
    "the hook's group to be recorded",
    () => existsSync(commands) && readdirSync(commands).some((r) => r.startsWith(`${hook}-`)),
  );
  backup.killGroup("SIGKILL");
  await backup.exited;
  return hook;
}

const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));

describe("a transition after one whose notify process was killed while its release hook ran", () => {
  it("waits for that hook to finish before it starts: the application ends acquired", async () => {
    world = await startTwoNodeWorld({ resources: (node) => [resource.vip(), slowHook(node, 2)] });
    const { a } = world;
    await killedDuringRelease(a);

    const master = await a.run(["master"]);

    expect(master.code, master.stderr).toBe(0);
    expect(steps(a)).toEqual(["acquire begins", "acquire ends", "release begins", "release ends", "acquire begins", "acquire ends"]);
    expect(master.stderr).toMatch(/WARN waiting up to 5 s for commands of an earlier transition that still run: .*slow-hook\.sh release/);
  });

  it("stops that hook when it does not finish within the grace time, and says so", async () => {
    world = await startTwoNodeWorld({ resources: (node) => [resource.vip(), slowHook(node, 60)] });
    const { a } = world;
    const hook = await killedDuringRelease(a);
    await sleep(200);
    expect(alive(hook)).toBe(true);

    const master = await a.run(["master"]);

    expect(master.code, master.stderr).toBe(0);
    expect(alive(hook)).toBe(false);
    expect(steps(a)).toEqual(["acquire begins", "acquire ends", "release begins", "acquire begins", "acquire ends"]);
    expect(master.stderr).toMatch(/WARN stopping commands of an earlier transition that still run \(SIGTERM\): .*slow-hook\.sh release/);
    expect(master.ms).toBeLessThan(15_000);
  });
});

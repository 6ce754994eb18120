import { afterEach, describe, expect, it } from "vitest";
import { actionOf } from "../../src/kinds/permission-table";
import { kindNamed, registeredKinds } from "../../src/kinds/registry";
import { startContractWorld, transition, type ContractWorld } from "./kind-contract/contract-world";
import { kindCases, type KindCase } from "./kind-contract/kind-cases";
import { sleep } from "./support/wait";

// The contract every kind of resource keeps, one table of kinds and one set of scenarios, each
// driven on two nodes over HTTP to the EC2 stand-in: acquired from the peer it is held here; acquired
// again it makes no mutating call; released, it gives up only what is still ours; released twice,
// the second release is a no-op; and every EC2 action it sent is in its own permission table, from
// which `aws-ha-gen iam-policy` writes the policy, so that the policy cannot lag the code.

let world: ContractWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function start(c: KindCase): Promise<ContractWorld> {
  world = await startContractWorld(c.spec, c.nodes);
  return world;
}

/** This node takes the resource from its peer; where one writer at a time is the rule, the peer lets go meanwhile. */
async function takeFromPeer(w: ContractWorld, c: KindCase) {
  if (!c.peerLetsGo) return transition(w, w.a, "acquire");
  const [taken] = await Promise.all([transition(w, w.a, "acquire"), sleep(100).then(() => transition(w, w.b, "release"))]);
  return taken;
}

/** The peer takes it back; where one writer at a time is the rule, this node lets go meanwhile. */
async function peerTakesBack(w: ContractWorld, c: KindCase): Promise<void> {
  if (!c.peerLetsGo) await transition(w, w.b, "acquire");
  else await Promise.all([transition(w, w.b, "acquire"), sleep(100).then(() => transition(w, w.a, "release"))]);
}

/** Every EC2 action the resource sent in this world is one its kind's permission table grants. */
function expectCoveredByItsPermissions(w: ContractWorld, c: KindCase): void {
  const granted = new Set(kindNamed(c.kind).permissions.rows.map(actionOf));
  const sent = [...new Set(w.calls().map((call) => call.action))];
  expect(
    sent.filter((action) => !granted.has(action)),
    `EC2 actions a ${c.kind} sent that src/kinds/${c.kind}/permissions.ts does not grant`,
  ).toEqual([]);
}

const cloud = kindCases.filter((c) => c.holds === "cloud");

describe.each(cloud)("a $kind ($spec.name), which AWS gives to one node at a time", (c) => {
  it("acquired from the peer that holds it, it is held here, and inspect says so on both nodes", async () => {
    const w = await start(c);
    expect((await transition(w, w.b, "acquire")).outcome).toBe("changed");
    expect(c.holderIn!(w.ec2.world.snapshot())).toBe(w.b.instanceId);

    const { before, outcome } = await takeFromPeer(w, c);

    expect(before.held).toBe(false);
    expect(outcome).toBe("changed");
    expect(c.holderIn!(w.ec2.world.snapshot())).toBe(w.a.instanceId);
    expect(await w.resource.inspect(w.a.ctx)).toMatchObject({ held: true });
    expect(await w.resource.inspect(w.b.ctx)).toMatchObject({ held: false });
    expectCoveredByItsPermissions(w, c);
  });

  it("acquired again, it makes no mutating call and changes nothing here", async () => {
    const w = await start(c);
    await transition(w, w.a, "acquire");
    const mark = w.mark();
    w.a.host.calls.length = 0;

    const { before, outcome } = await transition(w, w.a, "acquire");

    expect(before.held).toBe(true);
    expect(outcome).toBe("unchanged");
    expect(w.mutatingSince(mark)).toEqual([]);
    expect(w.a.host.calls).toEqual([]);
    expectCoveredByItsPermissions(w, c);
  });

  it("released after the peer took it back, it stays with the peer and no mutating call is made", async () => {
    const w = await start(c);
    await transition(w, w.a, "acquire");
    const whileOurs = await w.resource.inspect(w.a.ctx);
    expect(whileOurs.held).toBe(true);
    await peerTakesBack(w, c);
    const mark = w.mark();

    // What this node saw before the peer moved: it still believes it holds the resource.
    expect(await w.resource.release(w.a.ctx, whileOurs)).toBe("unchanged");

    expect(w.mutatingSince(mark)).toEqual([]);
    expect(c.holderIn!(w.ec2.world.snapshot())).toBe(w.b.instanceId);
    expectCoveredByItsPermissions(w, c);
  });

  it("released twice, the second release is a no-op", async () => {
    const w = await start(c);
    await transition(w, w.a, "acquire");
    expect((await transition(w, w.a, "release")).outcome).toBe("changed");
    expect(c.holderIn!(w.ec2.world.snapshot())).toBeUndefined();
    const mark = w.mark();
    w.a.host.calls.length = 0;

    const { before, outcome } = await transition(w, w.a, "release");

    expect(before.held).toBe(false);
    expect(outcome).toBe("unchanged");
    expect(w.mutatingSince(mark)).toEqual([]);
    expect(w.a.host.calls).toEqual([]);
    expectCoveredByItsPermissions(w, c);
  });

  it("over a whole life, every EC2 action it sends is in its permission table", async () => {
    const w = await start(c);
    await transition(w, w.b, "acquire");
    await takeFromPeer(w, c);
    await transition(w, w.a, "acquire");
    await peerTakesBack(w, c);
    await transition(w, w.b, "release");
    await transition(w, w.b, "release");

    const sent = new Set(w.calls().map((call) => call.action));
    // The check below only means something if the kind really talked to EC2, changes included.
    expect([...sent].some((action) => w.mutatingSince(0).some((call) => call.action === action))).toBe(true);
    expectCoveredByItsPermissions(w, c);
  });
});

describe.each(kindCases.filter((c) => c.holds === "machine"))("a $kind, which each node runs on its own machine", (c) => {
  it("acquired, it is held; acquired again, nothing changes", async () => {
    const w = await start(c);
    expect((await transition(w, w.a, "acquire")).outcome).toBe("changed");
    expect(await w.resource.inspect(w.a.ctx)).toMatchObject({ held: true });
    expect(await w.resource.inspect(w.b.ctx)).toMatchObject({ held: false });
    w.a.host.calls.length = 0;

    expect((await transition(w, w.a, "acquire")).outcome).toBe("unchanged");
    expect(w.a.host.calls).toEqual([]);
  });

  it("released after it stopped by other means, and released twice, nothing changes", async () => {
    const w = await start(c);
    await transition(w, w.a, "acquire");
    const whileOurs = await w.resource.inspect(w.a.ctx);
    expect((await transition(w, w.a, "release")).outcome).toBe("changed");
    w.a.host.calls.length = 0;

    expect(await w.resource.release(w.a.ctx, whileOurs)).toBe("unchanged");
    expect((await transition(w, w.a, "release")).outcome).toBe("unchanged");
    expect(w.a.host.calls).toEqual([]);
  });

  it("sends nothing to EC2, and its permission table grants nothing", async () => {
    const w = await start(c);
    await transition(w, w.a, "acquire");
    await transition(w, w.a, "release");
    expect(w.calls()).toEqual([]);
    expect(kindNamed(c.kind).permissions.rows).toEqual([]);
  });
});

describe.each(kindCases.filter((c) => c.holds === "nothing"))("a $kind, which holds nothing", (c) => {
  it("is not inspectable, and runs on every acquire and release", async () => {
    const w = await start(c);
    expect(w.resource.inspectable).toBe(false);
    expect(await w.resource.inspect(w.a.ctx)).toMatchObject({ held: false });
    for (const action of ["acquire", "acquire", "release", "release"] as const)
      expect((await transition(w, w.a, action)).outcome).toBe("changed");
    expect(w.a.host.calls.map((call) => call.split(" ")[1])).toEqual([
      "/usr/local/bin/promote",
      "/usr/local/bin/promote",
      "/usr/local/bin/demote",
      "/usr/local/bin/demote",
    ]);
  });

  it("sends nothing to EC2, and its permission table grants nothing", async () => {
    const w = await start(c);
    await transition(w, w.a, "acquire");
    await transition(w, w.a, "release");
    expect(w.calls()).toEqual([]);
    expect(kindNamed(c.kind).permissions.rows).toEqual([]);
  });
});

it("the contract covers every registered kind", () => {
  expect([...new Set(kindCases.map((c) => c.kind))].sort()).toEqual(registeredKinds.map((k) => k.name).sort());
});

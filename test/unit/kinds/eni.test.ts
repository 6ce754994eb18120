import { describe, expect, it } from "vitest";
import { parseClusterDescription } from "../../../src/cluster/parse";
import { AwsHaError, ConfigError } from "../../../src/errors";
import { exitCodeFor } from "../../../src/exit-codes";
import { eniPreflight } from "../../../src/kinds/eni/preflight";
import type { EniSpec } from "../../../src/kinds/eni/schema";
import { resourcesFor } from "../../../src/kinds/registry";
import type { Resource } from "../../../src/kinds/resource";
import type { FakeEc2 } from "../support/fake-ec2";
import { a, b, clusterOf, identityOf, onNode, transition, twoNodeEc2, zone } from "../support/cluster";

const eniId = "eni-0abc000000000e001";
const mac = "0e:aa:bb:cc:dd:01";

/** The kernel shows the ENI as eth1 (or `name`) on the instance EC2 has it attached to. */
const linkOf =
  (ec2: FakeEc2, instanceId: string, name = "eth1") =>
  () => {
    const at = ec2.enis.get(eniId)?.attachment;
    return at?.instanceId === instanceId && at.state !== "attaching" ? [{ name, mac }] : [];
  };

function world(
  options: {
    attachedTo?: { instanceId: string; deviceIndex: number };
    fencing?: boolean;
    eniZone?: string;
    release?: boolean;
    appearsAs?: string;
  } = {},
) {
  const description = clusterOf(
    [{ kind: "eni", name: "appliance", networkInterfaceId: eniId, deviceIndex: 1, interface: "eth1", release: options.release ?? true }],
    { fencing: { enabled: options.fencing ?? false, peerReleaseTimeout: 0.4, stopTimeout: 5 }, timeouts: { eni: 5 } },
  );
  const ec2 = twoNodeEc2();
  ec2.addEni(
    { networkInterfaceId: eniId, availabilityZone: options.eniZone ?? zone, macAddress: mac, privateIps: ["10.0.1.200"] },
    options.attachedTo,
  );
  const eni: Resource = resourcesFor(description)[0]!;
  const nodeA = onNode(a, description, ec2, { attachedLinks: linkOf(ec2, a.instanceId, options.appearsAs) });
  const nodeB = onNode(b, description, ec2, { attachedLinks: linkOf(ec2, b.instanceId) });
  return { description, ec2, eni, nodeA, nodeB };
}

/** The error a promise rejects with. */
async function failure(promise: Promise<unknown>): Promise<AwsHaError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AwsHaError);
  return error as AwsHaError;
}

describe("a whole ENI", () => {
  it("given B has it, when B releases it within the timeout, A attaches it at its device index, finds it by MAC and brings it up", async () => {
    const { ec2, eni, nodeA } = world({ attachedTo: { instanceId: b.instanceId, deviceIndex: 1 } });
    ec2.peerReleasesEniAfter(eniId, 2);

    const { before, outcome } = await transition(eni, nodeA.ctx, "acquire");

    expect(before).toMatchObject({
      held: false,
      holder: b.instanceId,
      detail: `${eniId} (${mac}) attached to node-b, ${b.instanceId} as device 1`,
    });
    expect(outcome).toBe("changed");
    expect(ec2.calls).toEqual([`attachEni ${eniId} ${a.instanceId} 1`]);
    expect(ec2.eniAttachment(eniId)).toEqual({ instanceId: a.instanceId, deviceIndex: 1, state: "attached" });
    expect(nodeA.host.calls).toEqual(["setLink eth1 up"]);
    expect(nodeA.lines.some((l) => l.includes(`for node-b, ${b.instanceId} to release ${eniId}`))).toBe(true);
    expect(await eni.inspect(nodeA.ctx)).toMatchObject({
      held: true,
      detail: `${eniId} (${mac}) attached to this node as device 1, eth1 up here`,
    });
    expect(eni.summary("acquire", before)).toBe(`eni ${eniId} attached as device 1`);
  });

  it("acquired again, it makes no call to EC2 and changes nothing here", async () => {
    const { ec2, eni, nodeA } = world();
    await transition(eni, nodeA.ctx, "acquire");
    ec2.calls.length = 0;
    nodeA.host.calls.length = 0;

    expect((await transition(eni, nodeA.ctx, "acquire")).outcome).toBe("unchanged");
    expect(ec2.calls).toEqual([]);
    expect(nodeA.host.calls).toEqual([]);
  });

  it("attached here but down (after a reboot), acquire only brings it up", async () => {
    const { ec2, eni, nodeA } = world({ attachedTo: { instanceId: a.instanceId, deviceIndex: 1 } });

    const { before, outcome } = await transition(eni, nodeA.ctx, "acquire");

    expect(before).toMatchObject({ held: false, partial: true });
    expect(outcome).toBe("changed");
    expect(ec2.calls).toEqual([]);
    expect(nodeA.host.calls).toEqual(["setLink eth1 up"]);
  });

  it("given B never lets go and fencing is off, A fails with a clear error and attaches nothing", async () => {
    const { ec2, eni, nodeA } = world({ attachedTo: { instanceId: b.instanceId, deviceIndex: 1 } });

    const e = await failure(transition(eni, nodeA.ctx, "acquire"));

    expect(e.kind).toBe("conflict");
    expect(e.message).toBe(`attached to ${b.instanceId} (attached) for 0.4 s`);
    expect(e.details.fix).toBe("enable fencing or detach it by hand");
    expect(ec2.calls).toEqual([]);
    expect(ec2.eniAttachment(eniId)?.instanceId).toBe(b.instanceId);
    expect(nodeA.host.calls).toEqual([]);
  });

  it("given B never lets go and fencing is on, A stops B, confirms it stopped, force-detaches, then attaches", async () => {
    const { ec2, eni, nodeA } = world({ attachedTo: { instanceId: b.instanceId, deviceIndex: 1 }, fencing: true });

    expect((await transition(eni, nodeA.ctx, "acquire")).outcome).toBe("changed");

    expect(ec2.calls).toEqual([
      `stopInstance ${b.instanceId}`,
      `detachEni ${eniId} ${b.instanceId} force`,
      `attachEni ${eniId} ${a.instanceId} 1`,
    ]);
    expect(ec2.instances.get(b.instanceId)!.state).toBe("stopped");
    expect(ec2.eniAttachment(eniId)).toEqual({ instanceId: a.instanceId, deviceIndex: 1, state: "attached" });
    expect(nodeA.host.linksUp.has("eth1")).toBe(true);
  });

  it("released, it is brought down, detached while it is ours, and waited for until it is available", async () => {
    const { ec2, eni, nodeA } = world({ attachedTo: { instanceId: a.instanceId, deviceIndex: 1 } });
    await transition(eni, nodeA.ctx, "acquire");
    ec2.calls.length = 0;
    nodeA.host.calls.length = 0;

    const { before, outcome } = await transition(eni, nodeA.ctx, "release");

    expect(outcome).toBe("changed");
    expect(nodeA.host.calls).toEqual(["setLink eth1 down"]);
    expect(ec2.calls).toEqual([`detachEni ${eniId} ${a.instanceId}`]);
    expect(ec2.eniAttachment(eniId)).toBeUndefined();
    expect(eni.summary("release", before)).toBe(`eni ${eniId} detached`);
    expect((await transition(eni, nodeA.ctx, "release")).outcome).toBe("unchanged");
  });

  it("released after B took it, nothing is detached: the attachment is B's", async () => {
    const { ec2, eni, nodeA } = world({ attachedTo: { instanceId: b.instanceId, deviceIndex: 1 } });
    const whileOurs = { held: true, holder: a.instanceId, detail: "as A saw it before B took it" };

    expect(await eni.release(nodeA.ctx, whileOurs)).toBe("unchanged");

    expect(ec2.calls).toEqual([]);
    expect(ec2.eniAttachment(eniId)?.instanceId).toBe(b.instanceId);
  });

  it("with release: false, release brings it down and leaves it attached", async () => {
    const { ec2, eni, nodeA } = world({ attachedTo: { instanceId: a.instanceId, deviceIndex: 1 }, release: false });
    await transition(eni, nodeA.ctx, "acquire");
    ec2.calls.length = 0;

    const { before, outcome } = await transition(eni, nodeA.ctx, "release");

    expect(outcome).toBe("changed");
    expect(ec2.calls).toEqual([]);
    expect(ec2.eniAttachment(eniId)?.instanceId).toBe(a.instanceId);
    expect(eni.summary("release", before)).toBe(`eni ${eniId} brought down`);
  });
});

describe("a whole ENI that cannot come here: one line, nothing changed", () => {
  it("in another AZ than this node, acquire refuses before anything is fenced or attached (exit 6)", async () => {
    const { ec2, eni, nodeA } = world({ eniZone: "eu-west-1b", attachedTo: { instanceId: b.instanceId, deviceIndex: 1 }, fencing: true });

    const e = await failure(transition(eni, nodeA.ctx, "acquire"));

    expect(e.kind).toBe("config");
    expect(exitCodeFor(e)).toBe(6);
    expect(e.message).toBe(
      `${eniId} is in eu-west-1b but this node is in ${zone}; an ENI attaches only within its own AZ, so nothing was attached`,
    );
    expect(ec2.calls).toEqual([]);
  });

  it("that is some instance's primary interface (device index 0), acquire refuses it", async () => {
    const { ec2, eni, nodeA } = world({ attachedTo: { instanceId: b.instanceId, deviceIndex: 0 }, fencing: true });

    const e = await failure(transition(eni, nodeA.ctx, "acquire"));

    expect(e.kind).toBe("config");
    expect(e.message).toBe(
      `${eniId} is the primary interface (device index 0) of ${b.instanceId}, which never moves; nothing was attached`,
    );
    expect(e.details.fix).toBe("name a secondary ENI in resources[0].networkInterfaceId");
    expect(ec2.calls).toEqual([]);
  });

  it("whose interface name is another device's here, acquire refuses before attaching", async () => {
    const { ec2, eni, nodeA } = world();
    nodeA.host.fixedLinks.set("eth1", { mac: "0e:00:00:00:00:99" });

    const e = await failure(transition(eni, nodeA.ctx, "acquire"));

    expect(e.kind).toBe("config");
    expect(e.message).toBe(`eth1 here is 0e:00:00:00:00:99, not ${eniId} (${mac}); nothing was attached`);
    expect(e.details.fix).toBe("correct resources[0].interface: the ENI appears under another name");
    expect(ec2.calls).toEqual([]);
  });

  it("attached here under another name than the description's, it is not brought up, and the error names the field", async () => {
    const { ec2, eni, nodeA } = world({ attachedTo: { instanceId: a.instanceId, deviceIndex: 1 }, appearsAs: "ens6" });

    const e = await failure(transition(eni, nodeA.ctx, "acquire"));

    expect(e.kind).toBe("config");
    expect(e.message).toBe(`${eniId} appeared here as ens6, not eth1; it stays attached here, down`);
    expect(e.details.fix).toContain("set resources[0].interface to ens6");
    expect(ec2.calls).toEqual([]);
    expect(nodeA.host.calls).toEqual([]);
  });
});

describe("check's preflight for a whole ENI", () => {
  const ctxFor = (w: ReturnType<typeof world>) => ({
    description: w.description,
    self: w.description.nodes[0]!,
    identity: identityOf(a),
    eni: a.networkInterfaceId,
    ec2: w.ec2,
    host: w.nodeA.host,
  });

  it("says where it is attached and how it will be found here", async () => {
    const w = world({ attachedTo: { instanceId: b.instanceId, deviceIndex: 1 } });
    expect(await eniPreflight(ctxFor(w), [w.description.resources[0] as EniSpec])).toEqual([
      {
        verdict: "ok",
        topic: "eni appliance",
        message: `${eniId} (${mac}) is attached to ${b.instanceId} as device 1 in ${zone}`,
        kind: undefined,
      },
      { verdict: "ok", topic: "interface appliance", message: `will be found by its MAC ${mac} once attached`, kind: undefined },
    ]);
  });

  it("fails an ENI of another AZ", async () => {
    const w = world({ eniZone: "eu-west-1c" });
    const [zoneFinding] = await eniPreflight(ctxFor(w), [w.description.resources[0] as EniSpec]);
    expect(zoneFinding).toMatchObject({
      verdict: "fail",
      kind: "config",
      message: `${eniId} is in eu-west-1c but this node is in ${zone}; an ENI attaches only within its own AZ`,
    });
  });
});

describe("a whole ENI in the description", () => {
  const problems = (resource: Record<string, unknown>, nodes: unknown[] = [a, b]) => {
    try {
      parseClusterDescription(
        JSON.stringify({
          cluster: "web",
          nodes,
          keepalived: { virtualRouterId: 51 },
          resources: [{ kind: "eni", name: "appliance", networkInterfaceId: eniId, deviceIndex: 1, ...resource }],
        }),
        "cluster.json",
      );
    } catch (e) {
      if (e instanceof ConfigError) return e.problems.map((p) => `${p.path}: ${p.message}`);
      throw e;
    }
    return [];
  };

  it("refuses device index 0, the instance's own primary interface", () => {
    expect(problems({ deviceIndex: 0 })).toEqual([
      "resources[0].deviceIndex: must be 1 or more: device index 0 is the instance's own primary interface, which never moves",
    ]);
  });

  it("refuses a node's own ENI", () => {
    expect(problems({ networkInterfaceId: b.networkInterfaceId })).toEqual([
      `resources[0].networkInterfaceId: ${b.networkInterfaceId} is node node-b's own interface (nodes[1].networkInterfaceId); only a secondary ENI moves`,
    ]);
  });

  it("refuses an ENI a node lists as one of its further interfaces, and that interface's name", () => {
    const eth1 = "eni-0abc000000000e0b1";
    const nodes = [a, { ...b, interfaces: [{ name: "eth0" }, { name: "eth1", networkInterfaceId: eth1, address: "10.0.2.11" }] }];
    expect(problems({ networkInterfaceId: eth1, interface: "eth1" }, nodes)).toEqual([
      `resources[0].networkInterfaceId: ${eth1} is node node-b's own interface eth1 (nodes[1].interfaces[1].networkInterfaceId); only an ENI no node lists moves`,
      "resources[0].interface: eth1 is node node-b's interface (nodes[1].interfaces[1].name), which stays put; name the interface the moving ENI appears as",
    ]);
  });

  it("refuses the name of a node's cluster interface", () => {
    expect(problems({ interface: "eth0" })).toEqual([
      "resources[0].interface: eth0 is node node-a's cluster interface (nodes[0].interface); name the interface the ENI appears as",
      "resources[0].interface: eth0 is node node-b's cluster interface (nodes[1].interface); name the interface the ENI appears as",
    ]);
  });

  it("accepts a secondary ENI, released on release unless told otherwise", () => {
    expect(problems({ interface: "eth1" })).toEqual([]);
    expect(clusterOf([{ kind: "eni", name: "appliance", networkInterfaceId: eniId, deviceIndex: 1 }]).resources[0]).toMatchObject({
      release: true,
    });
  });
});

import { execFileSync } from "node:child_process";
import { closeSync, constants, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { nodeA, nodeB, resource, type ResourceInput } from "./support/cluster-fixture";
import { startTwoNodeWorld, type TwoNodeWorld, type TwoNodeWorldOptions } from "./support/two-node-world";
import { sleep, waitFor } from "./support/wait";
import { cloudHolders } from "./support/world-view";
import { expireIssuedKeys } from "../support/sts-standin/issued-keys";

// Resources in another account: the shipped aws-ha-notify assumes the role the description names
// (the cluster's, or a resource's own) through the real @aws-sdk/client-sts over HTTP to the STS
// stand-in, and signs EC2's and Route53's calls with the role's temporary keys; the stand-ins say
// which role signed each call. A cluster without roles never calls STS.

const sharedVpc = "arn:aws:iam::444455556666:role/aws-ha/shared-vpc";
const dnsRole = "arn:aws:iam::222233334444:role/dns";
const nodesKey = "AKIAITESTSTANDIN0001";
const asRole = (arn: string, session: string) => {
  const [, , , , account, rest] = arn.split(":");
  return `arn:aws:sts::${account}:assumed-role/${rest!.split("/").pop()}/${session}`;
};

const zoneId = "Z0A1B2C3D4E5F6ROLES0";
const recordName = "db.example.com.";
const record = (extra: Record<string, unknown> = {}): ResourceInput =>
  ({ kind: "record", name: "db-dns", hostedZoneId: zoneId, zone: "example.com.", recordName, ttl: 30, ...extra }) as ResourceInput;
const zones = {
  zones: [{ id: zoneId, name: "example.com.", records: [{ name: recordName, type: "A" as const, ttl: 30, values: [nodeB.address] }] }],
};

let world: TwoNodeWorld | undefined;
let writer: number | undefined;
afterEach(async () => {
  if (writer !== undefined) closeSync(writer);
  writer = undefined;
  await world?.close();
  world = undefined;
});

function start(options: Partial<TwoNodeWorldOptions> & Pick<TwoNodeWorldOptions, "resources">): Promise<TwoNodeWorld> {
  return startTwoNodeWorld({
    sts: {
      roles: [
        { roleArn: sharedVpc, trustedCallers: [nodesKey], externalId: "aws-ha-itest" },
        { roleArn: dnsRole, trustedCallers: [nodesKey] },
      ],
    },
    ...options,
  });
}

describe("a VIP and its Elastic IP in a shared VPC, through the cluster's role", () => {
  it("`master` on A assumes the role once, as aws-ha-node-a with the external id, and every EC2 call of the move is the role's", async () => {
    world = await start({
      resources: () => [resource.vip(), resource.eip()],
      assumeRole: { roleArn: sharedVpc, externalId: "aws-ha-itest" },
    });
    const since = Date.now();

    const master = await world.a.run(["master"]);

    expect(master.code, master.stderr).toBe(0);
    expect(cloudHolders(world.snapshot())).toMatchObject({ vip: "node-a", eip: "node-a" });
    expect(world.sts!.calls().map((c) => [c.action, c.roleArn, c.sessionName, c.externalId, c.error])).toEqual([
      ["AssumeRole", sharedVpc, "aws-ha-node-a", "aws-ha-itest", undefined],
    ]);
    const changes = world.mutatingCalls(since);
    expect(changes.map((c) => c.action).sort()).toEqual(["AssignPrivateIpAddresses", "AssociateAddress"]);
    for (const call of changes) expect(call.caller).toBe(asRole(sharedVpc, "aws-ha-node-a"));
    // Each step's line names the role that acted.
    expect(master.stderr).toMatch(
      new RegExp(`acquire event=master node=node-a resource=web-vip kind=vip role=${sharedVpc.replace(/\//g, "\\/")}`),
    );
  });

  it("`show` and `--dry-run` name the role of each resource and change nothing", async () => {
    world = await start({
      resources: () => [resource.vip(), resource.eip()],
      assumeRole: { roleArn: sharedVpc, externalId: "aws-ha-itest" },
    });

    const show = await world.a.run(["show"]);
    const dry = await world.a.run(["master", "--dry-run"]);

    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain(`(as role ${sharedVpc})`);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(new RegExp(`acquire vip web-vip: now .*\\(as role ${sharedVpc.replace(/\//g, "\\/")}\\)`));
    expect(world.mutatingCalls()).toEqual([]);
  });

  it("when the role's trust asks for another external id, `master` fails naming the role, its trust policy and the external id, and changes nothing", async () => {
    world = await start({
      resources: () => [resource.vip(), resource.eip()],
      assumeRole: { roleArn: sharedVpc, externalId: "not-the-one" },
    });

    const master = await world.a.run(["master"]);

    expect(master.code).not.toBe(0);
    expect(master.stderr).toContain(`STS refused to let this node assume role ${sharedVpc} (AccessDenied)`);
    expect(master.stderr).toMatch(/trust policy of .*shared-vpc.*sts:ExternalId/);
    expect(world.sts!.calls().map((c) => c.error)).toContain("AccessDenied");
    expect(world.mutatingCalls()).toEqual([]);
    expect(cloudHolders(world.snapshot())).toMatchObject({ vip: "nobody" });
  });
});

describe("a record in the DNS account, beside a VIP of the nodes' own account", () => {
  it("`master` on A writes the record as the DNS role and moves the VIP with the node's own key", async () => {
    world = await start({ resources: () => [resource.vip(), record({ assumeRole: { roleArn: dnsRole } })], route53: zones });

    const master = await world.a.run(["master"]);

    expect(master.code, master.stderr).toBe(0);
    expect(world.route53!.world.record(zoneId, recordName, "A")?.values).toEqual([nodeA.address]);
    const writes = world.route53!.calls.of("ChangeResourceRecordSets");
    expect(writes.map((c) => c.caller)).toEqual([asRole(dnsRole, "aws-ha-node-a")]);
    expect(world.mutatingCalls().map((c) => [c.action, c.caller])).toEqual([
      ["AssignPrivateIpAddresses", `arn:aws:iam::${world.ec2.world.accountId}:user/${nodesKey}`],
    ]);
    expect(world.sts!.calls().map((c) => c.roleArn)).toEqual([dnsRole]);
  });

  it("a cluster without roles never calls STS, though the node could reach it", async () => {
    world = await start({ resources: () => [resource.vip(), record()], route53: zones });

    const master = await world.a.run(["master"]);

    expect(master.code, master.stderr).toBe(0);
    expect(world.route53!.world.record(zoneId, recordName, "A")?.values).toEqual([nodeA.address]);
    expect(world.sts!.calls()).toEqual([]);
    expect(master.stderr).not.toContain("role");
  });
});

describe("the resident FIFO reader keeps the role's keys and renews them before they expire", () => {
  it("after the keys of the first event have expired, the next event runs on fresh ones", async () => {
    // Keys said to live 5 min and 3 s: the reader renews them 5 min before, that is after 3 s.
    world = await start({
      resources: () => [resource.vip(), resource.eip()],
      assumeRole: { roleArn: sharedVpc, externalId: "aws-ha-itest" },
      sts: { roles: [{ roleArn: sharedVpc, externalId: "aws-ha-itest" }], credentialSeconds: 303 },
    });
    const fifo = join(world.a.dir, "notify.fifo");
    execFileSync("mkfifo", ["-m", "0600", fifo]);
    const fd = openSync(fifo, constants.O_RDWR);
    writer = fd;
    const reader = world.a.start(["fifo", fifo]);
    writeSync(fd, `INSTANCE "VI_1" MASTER 150\n`);
    await waitFor("the VIP and EIP on node A", () => cloudHolders(world!.snapshot()).eip === "node-a", 20_000);
    // The event confirms what it moved after EC2 shows it moved: its keys die only once it has ended.
    await waitFor("the master event's closing line", () => /acquire (done|incomplete)/.test(reader.stderr), 20_000);
    const firstKeys = world.sts!.calls().filter((c) => c.issued).length;
    expect(firstKeys).toBeGreaterThanOrEqual(1);

    // The keys handed out so far die now; the reader still holds them, and renews them after 3 s.
    expireIssuedKeys();
    await sleep(3_500);
    const since = Date.now();
    writeSync(fd, `INSTANCE "VI_1" BACKUP 100\n`);
    await waitFor("the backup event's closing line", () => /release (done|incomplete)|release failed/.test(reader.stderr), 20_000);

    const ec2Calls = world.ec2.calls.all(since);
    expect(ec2Calls.length).toBeGreaterThan(0);
    expect(ec2Calls.filter((c) => c.error === "RequestExpired")).toEqual([]);
    // At least one renewal (a slow machine may see the 3-second keys renewed again within the event).
    expect(world.sts!.calls().filter((c) => c.issued).length).toBeGreaterThan(firstKeys);
    expect(reader.stderr).toMatch(/release done/);
    expect(reader.stderr).not.toMatch(/release failed|ERROR/);
  });
});

describe("`check` with roles", () => {
  it("assumes each role for real and proves the role's permissions through the role's own clients", async () => {
    world = await start({
      resources: () => [resource.vip(), resource.eip(), record({ assumeRole: { roleArn: dnsRole } })],
      assumeRole: { roleArn: sharedVpc, externalId: "aws-ha-itest" },
      route53: zones,
    });
    const since = Date.now();

    const check = await world.a.run(["check"]);

    expect(check.stdout).toContain(`ok    role: ${sharedVpc} assumed`);
    expect(check.stdout).toContain(`ok    role: ${dnsRole} assumed`);
    expect(world.sts!.calls().map((c) => [c.roleArn, c.error])).toEqual([
      [sharedVpc, undefined],
      [dnsRole, undefined],
    ]);
    const dryRuns = world.ec2.calls.all(since).filter((c) => c.dryRun);
    expect(dryRuns.map((c) => c.action)).toContain("AssociateAddress");
    // What the vip and eip do is the role's to prove; the nodes' own reads stay the node's.
    for (const call of dryRuns.filter((c) => !c.action.startsWith("Describe")))
      expect(call.caller).toBe(asRole(sharedVpc, "aws-ha-node-a"));
    expect(new Set(dryRuns.filter((c) => c.action.startsWith("Describe")).map((c) => c.caller))).toEqual(
      new Set([asRole(sharedVpc, "aws-ha-node-a"), `arn:aws:iam::${world.ec2.world.accountId}:user/${nodesKey}`]),
    );
    expect(world.route53!.calls.all(since).map((c) => c.caller)).toEqual([asRole(dnsRole, "aws-ha-node-a")]);
    // The VIP's one probe without DryRun, an unassignment of an address the ENI lacks, as the role: refused, so nothing changed.
    expect(world.mutatingCalls(since).map((c) => `${c.action} ${c.error} ${c.caller}`)).toEqual([
      `UnassignPrivateIpAddresses InvalidParameterValue ${asRole(sharedVpc, "aws-ha-node-a")}`,
    ]);
  });

  it("a role the node may not assume is a failure naming the trust policy; the other role's checks still run", async () => {
    world = await start({
      resources: () => [resource.vip(), record({ assumeRole: { roleArn: dnsRole } })],
      assumeRole: { roleArn: sharedVpc, externalId: "wrong-id" },
      route53: zones,
    });

    const check = await world.a.run(["check"]);

    expect(check.code).not.toBe(0);
    expect(check.stdout).toMatch(
      new RegExp(
        `FAIL  role: STS refused to let this node assume role ${sharedVpc.replace(/\//g, "\\/")} \\(AccessDenied\\).*trust policy`,
      ),
    );
    expect(check.stdout).toContain(`ok    role: ${dnsRole} assumed`);
  });
});

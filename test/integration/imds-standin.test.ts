import { AssignPrivateIpAddressesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startEc2Server, type Ec2Server } from "../support/ec2-standin/server";
import type { WorldSpec } from "../support/ec2-standin/world-spec";
import { remoteWorld } from "../support/imds-standin/remote-world";
import { startImdsServer, type ImdsServer } from "../support/imds-standin/server";

// The IMDSv2 stand-in: a token first, then GETs that carry it; what it serves is the EC2
// stand-in's world at that moment, in process or read over HTTP as the lab's nodes do.

const a = { instance: "i-0a000000000000a01", eni: "eni-0a000000000000a01", ip: "10.0.1.11", mac: "0e:aa:00:00:00:01" };
const b = { instance: "i-0b000000000000b02", eni: "eni-0b000000000000b02", ip: "10.0.1.12" };
const vip = "10.0.1.100";

const spec: WorldSpec = {
  region: "eu-west-1",
  subnets: [{ subnetId: "subnet-0a1", cidr: "10.0.1.0/24", availabilityZone: "eu-west-1a" }],
  instances: [{ instanceId: a.instance }, { instanceId: b.instance }],
  interfaces: [
    { networkInterfaceId: a.eni, subnetId: "subnet-0a1", privateIps: [a.ip], instanceId: a.instance, macAddress: a.mac },
    { networkInterfaceId: b.eni, subnetId: "subnet-0a1", privateIps: [b.ip, vip], instanceId: b.instance },
  ],
};

let ec2: Ec2Server;
let imds: ImdsServer;

beforeEach(async () => {
  ec2 = await startEc2Server({ spec });
  imds = await startImdsServer({ instanceId: a.instance, world: () => ec2.world });
});
afterEach(async () => {
  await imds.close();
  await ec2.close();
});

const token = async (server = imds) => {
  const response = await fetch(`${server.url}/latest/api/token`, {
    method: "PUT",
    headers: { "x-aws-ec2-metadata-token-ttl-seconds": "60" },
  });
  expect(response.status).toBe(200);
  return response.text();
};
const get = (path: string, sessionToken?: string, server = imds) =>
  fetch(`${server.url}/latest/meta-data/${path}`, {
    headers: sessionToken ? { "x-aws-ec2-metadata-token": sessionToken } : {},
    signal: AbortSignal.timeout(2_000),
  });
const text = async (path: string, sessionToken: string, server = imds) => {
  const response = await get(path, sessionToken, server);
  expect(response.status, path).toBe(200);
  return response.text();
};

describe("IMDSv2 token flow", () => {
  it("a PUT with a TTL returns a token that GETs then carry; one token serves many GETs", async () => {
    const t = await token();
    expect(await text("instance-id", t)).toBe(a.instance);
    expect(await text("placement/region", t)).toBe("eu-west-1");
    expect(await text("placement/availability-zone", t)).toBe("eu-west-1a");
    expect(await text("mac", t)).toBe(a.mac);
    expect(await text("local-ipv4", t)).toBe(a.ip);
    expect(await text(`network/interfaces/macs/${a.mac}/interface-id`, t)).toBe(a.eni);
    expect(imds.stats.tokenPuts).toBe(1);
    expect(imds.stats.gets).toBe(6);
  });

  it("IMDSv1 (no token) and an unknown token get 401", async () => {
    expect((await get("instance-id")).status).toBe(401);
    expect((await get("instance-id", "not-a-token")).status).toBe(401);
    expect(imds.stats.unauthorized).toBe(2);
  });

  it("a token PUT without a TTL, or with one above 6 hours, is a bad request", async () => {
    expect((await fetch(`${imds.url}/latest/api/token`, { method: "PUT" })).status).toBe(400);
    expect(
      (await fetch(`${imds.url}/latest/api/token`, { method: "PUT", headers: { "x-aws-ec2-metadata-token-ttl-seconds": "21601" } })).status,
    ).toBe(400);
  });

  it("directories list their entries; unknown paths are 404", async () => {
    const t = await token();
    expect(await text("network/interfaces/macs/", t)).toBe(`${a.mac}/`);
    expect((await text("", t)).split("\n")).toEqual(expect.arrayContaining(["instance-id", "placement/", "network/"]));
    expect((await get("no-such-thing", t)).status).toBe(404);
  });
});

describe("what IMDS shows follows EC2", () => {
  it("a VIP assigned to the instance's interface appears in local-ipv4s, primary first", async () => {
    const t = await token();
    expect(await text(`network/interfaces/macs/${a.mac}/local-ipv4s`, t)).toBe(a.ip);
    const client = new EC2Client({
      endpoint: ec2.url,
      region: "eu-west-1",
      credentials: { accessKeyId: "AKIDIMDSTEST", secretAccessKey: "x" },
    });
    await client.send(
      new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: a.eni, PrivateIpAddresses: [vip], AllowReassignment: true }),
    );
    client.destroy();
    expect((await text(`network/interfaces/macs/${a.mac}/local-ipv4s`, t)).split("\n")).toEqual([a.ip, vip]);
  });

  it("out of process, the world is read from the EC2 stand-in's control API", async () => {
    const remote = await startImdsServer({ instanceId: b.instance, world: remoteWorld(ec2.url) });
    try {
      const t = await token(remote);
      expect(await text("instance-id", t, remote)).toBe(b.instance);
      const mac = await text("mac", t, remote);
      expect((await text(`network/interfaces/macs/${mac}/local-ipv4s`, t, remote)).split("\n")).toEqual([b.ip, vip]);
    } finally {
      await remote.close();
    }
  });
});

describe("faults", () => {
  it("a delay slows every answer", async () => {
    imds.faults.delayMs = 200;
    const started = Date.now();
    await token();
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it("an oversized answer streams filler only as fast as the client reads, and stops when it hangs up", async () => {
    imds.faults.oversized = { path: "meta-data/instance-id", bytes: 1024 ** 3 };
    const t = await token();
    const response = await get("instance-id", t);
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    let read = 0;
    while (read < 1024 * 1024) read += (await reader.read()).value?.length ?? Infinity;
    await reader.cancel();
    // Other paths answer as before.
    expect(await text("placement/region", t)).toBe("eu-west-1");
    expect(imds.stats.oversizedBytes).toBeGreaterThanOrEqual(1024 * 1024);
    expect(imds.stats.oversizedBytes).toBeLessThan(64 * 1024 * 1024);
  });

  it("a black-holed token PUT is never answered, so only a client timeout ends it", async () => {
    imds.faults.blackhole = "token";
    const put = fetch(`${imds.url}/latest/api/token`, {
      method: "PUT",
      headers: { "x-aws-ec2-metadata-token-ttl-seconds": "60" },
      signal: AbortSignal.timeout(300),
    });
    await expect(put).rejects.toMatchObject({ name: "TimeoutError" });
  });
});

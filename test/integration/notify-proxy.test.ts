import { afterEach, describe, expect, it } from "vitest";
import { startConnectProxy, type ConnectProxy } from "../support/connect-proxy";
import { closedPort } from "./support/closed-port";
import { nodeA, nodeB, resource, type ResourceInput } from "./support/cluster-fixture";
import { startTwoNodeWorld, type TwoNodeWorld } from "./support/two-node-world";

// A node that reaches AWS only through a proxy: the shipped aws-ha-notify, the real SDK, a CONNECT
// proxy on loopback between the node and the EC2 and Route53 stand-ins (which speak plain HTTP, so
// http_proxy is the variable that applies; HTTPS_PROXY is set beside it, as on a real node). The
// metadata service is never tunnelled. NO_PROXY sends everything direct again.

const zoneId = "Z0A1B2C3D4E5F6PROXY1";
const recordName = "web.example.com.";
const record: ResourceInput = {
  kind: "record",
  name: "web-dns",
  hostedZoneId: zoneId,
  zone: "example.com.",
  recordName,
  ttl: 30,
} as ResourceInput;

let world: TwoNodeWorld | undefined;
let proxy: ConnectProxy | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
  await proxy?.close();
  proxy = undefined;
});

/** VIP, its Elastic IP and (optionally) a record of the node's address; B holds them at first. */
function start(options: { record?: boolean } = {}) {
  return startTwoNodeWorld({
    resources: () => [resource.vip(), resource.eip(), ...(options.record ? [record] : [])],
    given: (spec) => {
      spec.interfaces.find((e) => e.instanceId === nodeB.instanceId)!.privateIps.push("10.0.1.100");
    },
    ...(options.record
      ? {
          route53: {
            zones: [
              { id: zoneId, name: "example.com.", records: [{ name: recordName, type: "A" as const, ttl: 30, values: [nodeB.address] }] },
            ],
          },
        }
      : {}),
  });
}

const hostOf = (url: string) => new URL(url).host;
const behind = (p: ConnectProxy, extra: NodeJS.ProcessEnv = {}) => ({ env: { http_proxy: p.url, HTTPS_PROXY: p.url, ...extra } });

describe("`master` through the proxy", () => {
  it("moves the VIP, the Elastic IP and the record, every EC2 and Route53 call tunnelled, IMDS never", async () => {
    world = await start({ record: true });
    proxy = await startConnectProxy();

    const master = await world.a.run(["master"], behind(proxy));

    expect(master.code, master.stderr).toBe(0);
    expect(world.association("eipalloc-0a1b2c3d4e5f60e01").networkInterfaceId).toBe(world.a.networkInterfaceId);
    expect(world.route53!.world.record(zoneId, recordName, "A")?.values).toEqual([nodeA.address]);
    const targets = proxy.tunnels.map((t) => t.target);
    expect(new Set(targets)).toEqual(new Set([hostOf(world.ec2.url), hostOf(world.route53!.url)]));
    expect(targets).not.toContain(hostOf(world.imds.a.url));
    // Kept-alive tunnels carry several calls each: fewer tunnels than EC2 calls.
    const ec2Tunnels = targets.filter((t) => t === hostOf(world!.ec2.url)).length;
    expect(ec2Tunnels).toBeLessThan(world.ec2.calls.all().length);
  });

  it("with NO_PROXY=127.0.0.1 nothing is tunnelled, and the transition is the same", async () => {
    world = await start({ record: true });
    proxy = await startConnectProxy();

    const master = await world.a.run(["master"], behind(proxy, { NO_PROXY: "127.0.0.1" }));

    expect(master.code, master.stderr).toBe(0);
    expect(world.association("eipalloc-0a1b2c3d4e5f60e01").networkInterfaceId).toBe(world.a.networkInterfaceId);
    expect(proxy.requests).toEqual([]);
  });

  it("a proxy that refuses the tunnel (502), or cannot be reached, fails the transition as an unreachable EC2 does, naming the proxy, and changes nothing", async () => {
    world = await start();
    proxy = await startConnectProxy({ refuseWith: 502 });
    const before = world.snapshot();
    const ec2Down = await world.a.run(["master"], { env: { AWS_ENDPOINT_URL_EC2: `http://127.0.0.1:${await closedPort()}` } });

    const refused = await world.a.run(["master"], behind(proxy));
    const unreachable = await world.a.run(["master"], { env: { http_proxy: `http://127.0.0.1:${await closedPort()}` } });

    expect(ec2Down.code).toBe(1);
    expect(refused.code).toBe(ec2Down.code);
    expect(unreachable.code).toBe(ec2Down.code);
    expect(refused.stderr).toMatch(
      /the proxy http:\/\/127\.0\.0\.1:\d+ \(http_proxy\) refused a tunnel to 127\.0\.0\.1:\d+ \(HTTP 502 [^)]*\); the proxy could not reach/,
    );
    expect(unreachable.stderr).toMatch(
      /cannot reach the proxy http:\/\/127\.0\.0\.1:\d+ \(http_proxy\) to open a tunnel to 127\.0\.0\.1:\d+ \(ECONNREFUSED\)/,
    );
    expect(world.ec2.calls.all()).toEqual([]);
    expect(world.snapshot()).toEqual(before);
  });

  it("a proxy that wants a user is given the one in http_proxy; its password never reaches the log", async () => {
    world = await start();
    proxy = await startConnectProxy({ credentials: { user: "ops", password: "pr0xy-pw" } });

    const master = await world.a.run(["master", "--verbose"], { env: { http_proxy: `http://ops:pr0xy-pw@${hostOf(proxy.url)}` } });

    expect(master.code, master.stderr).toBe(0);
    expect(proxy.tunnels.length).toBeGreaterThan(0);
    expect(master.stderr).not.toContain("pr0xy-pw");
  });

  it("a malformed proxy URL: one line naming the variable, exit 2, no call to EC2", async () => {
    world = await start();

    const master = await world.a.run(["master"], { env: { http_proxy: "http://ops:pr0xy-pw@proxy.corp:99999" } });

    expect(master.code).toBe(2);
    expect(master.stderr).toMatch(
      /http_proxy="http:\/\/\*\*\*@proxy\.corp:99999" is not a proxy aws-ha can use: the port "99999" is not a number from 1 to 65535/,
    );
    expect(master.stderr).not.toContain("pr0xy-pw");
    expect(world.ec2.calls.all()).toEqual([]);
  });
});

describe("a role assumed through the proxy", () => {
  it("`master` with the cluster's role tunnels STS beside EC2, and `check` names all three endpoints", async () => {
    const role = "arn:aws:iam::444455556666:role/aws-ha/shared-vpc";
    world = await startTwoNodeWorld({
      resources: () => [resource.vip(), resource.eip(), record],
      route53: { zones: [{ id: zoneId, name: "example.com.", records: [] }] },
      sts: { roles: [{ roleArn: role, trustedCallers: ["AKIAITESTSTANDIN0001"] }] },
      assumeRole: { roleArn: role },
    });
    proxy = await startConnectProxy();

    const master = await world.a.run(["master"], behind(proxy));

    expect(master.code, master.stderr).toBe(0);
    expect(world.sts!.calls().map((c) => c.action)).toEqual(["AssumeRole"]);
    expect(new Set(proxy.tunnels.map((t) => t.target))).toEqual(
      new Set([hostOf(world.ec2.url), hostOf(world.route53!.url), hostOf(world.sts!.url)]),
    );
    const check = await world.a.run(["check"], behind(proxy));
    expect(check.stdout).toContain(`ok    proxy: STS ${world.sts!.url} via ${proxy.url} (http_proxy)\n`);
  });
});

describe("`check` says how each endpoint is reached", () => {
  it("through the proxy, then direct with NO_PROXY, and nothing about proxies without one", async () => {
    world = await start({ record: true });
    proxy = await startConnectProxy();

    const through = await world.a.run(["check"], behind(proxy));
    const direct = await world.a.run(["check"], behind(proxy, { no_proxy: "127.0.0.1" }));
    const plain = await world.a.run(["check"]);

    const ec2 = world.ec2.url;
    const route53 = world.route53!.url;
    expect(through.stdout).toContain(`ok    proxy: EC2 ${ec2} via ${proxy.url} (http_proxy)\n`);
    expect(through.stdout).toContain(`ok    proxy: Route53 ${route53} via ${proxy.url} (http_proxy)\n`);
    expect(through.stdout).toMatch(/ok {4}credentials: EC2 answers/);
    expect(direct.stdout).toContain(`ok    proxy: EC2 ${ec2} direct (no_proxy)\n`);
    expect(direct.stdout).toContain(`ok    proxy: Route53 ${route53} direct (no_proxy)\n`);
    expect(plain.stdout).not.toContain("proxy:");
  });

  it("HTTP_PROXY alone is said to be ignored, as curl ignores it", async () => {
    world = await start();
    proxy = await startConnectProxy();

    const check = await world.a.run(["check"], { env: { HTTP_PROXY: proxy.url } });

    expect(check.stdout).toContain(`ok    proxy: EC2 ${world.ec2.url} direct (no proxy variable set)\n`);
    expect(check.stdout).toMatch(/warn {2}proxy: HTTP_PROXY is set and not read/);
    expect(proxy.requests).toEqual([]);
  });

  it("a malformed proxy URL is a failure line naming the variable, and no call is made", async () => {
    world = await start();

    const check = await world.a.run(["check"], { env: { https_proxy: "socks5://proxy.corp:1080" } });

    expect(check.code).toBe(2);
    expect(check.stdout).toMatch(/FAIL {2}proxy: https_proxy="socks5:\/\/proxy\.corp:1080" is not a proxy aws-ha can use: SOCKS/);
    expect(world.ec2.calls.all()).toEqual([]);
  });
});

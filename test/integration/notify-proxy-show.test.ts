import { afterEach, describe, expect, it } from "vitest";
import { startConnectProxy, type ConnectProxy } from "../support/connect-proxy";
import { nodeB, resource, type ResourceInput } from "./support/cluster-fixture";
import { startTwoNodeWorld, type TwoNodeWorld } from "./support/two-node-world";

// `show` and `--dry-run` on a node that reaches AWS through a proxy: below what they always print,
// one line per AWS endpoint says how it is reached (as `check` says it), and the calls they make do
// go that way. Without a proxy variable their output is what it always was, byte for byte.

const zoneId = "Z0A1B2C3D4E5F6SHOWPX";
const recordName = "web.example.com.";
const record = { kind: "record", name: "web-dns", hostedZoneId: zoneId, zone: "example.com.", recordName, ttl: 30 } as ResourceInput;

let world: TwoNodeWorld | undefined;
let proxy: ConnectProxy | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
  await proxy?.close();
  proxy = undefined;
});

/** VIP, its Elastic IP and a record of the node's address; B holds them at first. */
function start() {
  return startTwoNodeWorld({
    resources: () => [resource.vip(), resource.eip(), record],
    given: (spec) => {
      spec.interfaces.find((e) => e.instanceId === nodeB.instanceId)!.privateIps.push("10.0.1.100");
    },
    route53: {
      zones: [{ id: zoneId, name: "example.com.", records: [{ name: recordName, type: "A" as const, ttl: 30, values: [nodeB.address] }] }],
    },
  });
}

const hostOf = (url: string) => new URL(url).host;
/** As on a real node: HTTPS_PROXY for AWS's https endpoints, http_proxy for the stand-ins' plain http. */
const behind = (p: ConnectProxy, extra: NodeJS.ProcessEnv = {}) => ({ env: { http_proxy: p.url, HTTPS_PROXY: p.url, ...extra } });

describe("`show` and `--dry-run` say how AWS is reached", () => {
  it("through the proxy: a line per endpoint under the usual output, and the calls were tunnelled", async () => {
    world = await start();
    proxy = await startConnectProxy();
    const plainShow = await world.a.run(["show"]);
    const plainPlan = await world.a.run(["master", "--dry-run"]);
    const before = world.snapshot();

    const shown = await world.a.run(["show"], behind(proxy));
    const planned = await world.a.run(["master", "--dry-run"], behind(proxy));

    const block = [
      "AWS endpoints:",
      `  EC2 ${world.ec2.url} via ${proxy.url} (http_proxy)`,
      `  Route53 ${world.route53!.url} via ${proxy.url} (http_proxy)`,
      "",
    ].join("\n");
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toBe(`${plainShow.stdout}\n${block}`);
    expect(planned.code, planned.stderr).toBe(0);
    expect(planned.stdout).toBe(`${plainPlan.stdout}${block}`);
    expect(new Set(proxy.tunnels.map((t) => t.target))).toEqual(new Set([hostOf(world.ec2.url), hostOf(world.route53!.url)]));
    expect(world.snapshot()).toEqual(before);
  });

  it("with NO_PROXY naming the endpoints' host: each line says direct and why, and nothing was tunnelled", async () => {
    world = await start();
    proxy = await startConnectProxy();

    const planned = await world.a.run(["master", "--dry-run"], behind(proxy, { NO_PROXY: "127.0.0.1" }));

    expect(planned.code, planned.stderr).toBe(0);
    expect(planned.stdout).toContain(
      ["AWS endpoints:", `  EC2 ${world.ec2.url} direct (NO_PROXY)`, `  Route53 ${world.route53!.url} direct (NO_PROXY)`, ""].join("\n"),
    );
    expect(proxy.requests).toEqual([]);
  });

  it("without a proxy variable (NO_PROXY alone names none) the output is what it always was", async () => {
    world = await start();

    const shown = await world.a.run(["show"], { env: { NO_PROXY: "127.0.0.1" } });
    const planned = await world.a.run(["master", "--dry-run"]);

    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/^RESOURCE +KIND +HERE +DETAIL\n(?:.*\n){3}$/);
    expect(planned.code, planned.stderr).toBe(0);
    expect(planned.stdout).toMatch(/^plan for master \(acquire\), nothing changed:\n(?: {2}.*\n)+$/);
    expect(planned.stdout).not.toContain("AWS endpoints");
  });
});

import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LinuxHost } from "../../src/host/linux-host";

// The real adapter's view of network interfaces, as the eni resource uses it: found by MAC through
// `ip -j link`, brought up and down by name. A network namespace of the test's own holds a veth
// interface with an ENI-like MAC (root only; skipped otherwise); it is removed by its name.

const asRoot = process.getuid?.() === 0;
if (!asRoot) console.warn("linux-host-links: not root; skipping the network-namespace scenarios");

const netns = `awsha-links-${randomBytes(3).toString("hex")}`;
const mac = "0e:e0:5a:00:00:7f";
const run = (argv: string[]) => execFileSync(argv[0]!, argv.slice(1), { encoding: "utf8", timeout: 10_000 });

describe.runIf(asRoot)("interfaces of a network namespace, through ip -j link", () => {
  beforeAll(() => {
    run(["ip", "netns", "add", netns]);
    run(["ip", "-n", netns, "link", "add", "ens6", "address", mac.toUpperCase(), "type", "veth", "peer", "name", "peer6"]);
  });
  afterAll(() => {
    execFileSync("ip", ["netns", "del", netns], { timeout: 10_000 });
  });

  it("finds the interface by its MAC, down at first, then up and down again by name", async () => {
    const host = new LinuxHost({ netns });
    const byMac = async () => (await host.links()).find((l) => l.mac === mac);

    expect(await byMac()).toEqual({ name: "ens6", mac, up: false });
    await host.setLinkUp("ens6", true);
    expect(await byMac()).toEqual({ name: "ens6", mac, up: true });
    await host.setLinkUp("ens6", false);
    expect(await byMac()).toEqual({ name: "ens6", mac, up: false });
  });

  it("an interface that is not there is a host error naming it", async () => {
    await expect(new LinuxHost({ netns }).setLinkUp("ens9", true)).rejects.toMatchObject({
      kind: "host",
      message: expect.stringContaining("ens9"),
    });
  });
});

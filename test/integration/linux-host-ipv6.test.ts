import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Host } from "../../src/host/host-port";
import { LinuxHost } from "../../src/host/linux-host";

// IPv6 addresses on a real interface (a veth in a network namespace of the test's own, both ends up
// so that the kernel would run duplicate address detection): added with nodad, so usable at once,
// read back with `ip -j`, and added or removed once however often asked.

const asRoot = process.getuid?.() === 0;
if (!asRoot) console.warn("linux-host-ipv6: not root; skipping the network-namespace scenarios");

const run = (argv: string[]) => execFileSync(argv[0]!, argv.slice(1), { encoding: "utf8", timeout: 20_000 });

interface AddrInfo {
  family: string;
  local: string;
  prefixlen: number;
  tentative?: boolean;
}

describe.skipIf(!asRoot)("IPv6 addresses on an interface in a network namespace (root)", () => {
  const netns = `awsha-6-${randomBytes(3).toString("hex")}`;
  let created = false;
  let nsHost: Host;
  const addressesNow = (): AddrInfo[] =>
    (JSON.parse(run(["ip", "-n", netns, "-j", "addr", "show", "dev", "eth0"])) as { addr_info: AddrInfo[] }[]).flatMap((l) => l.addr_info);

  beforeAll(() => {
    run(["ip", "netns", "add", netns]);
    created = true;
    run(["ip", "-n", netns, "link", "add", "eth0", "type", "veth", "peer", "name", "peer0"]);
    for (const link of ["eth0", "peer0"]) run(["ip", "-n", netns, "link", "set", link, "up"]);
    run(["ip", "-n", netns, "addr", "add", "10.231.78.10/24", "dev", "eth0"]);
    nsHost = new LinuxHost({ netns });
  });

  afterAll(() => {
    if (created) run(["ip", "netns", "del", netns]);
  });

  it("adds an IPv6 VIP usable at once (no duplicate address detection), once however often asked, and removes it the same way", async () => {
    const vip = "2001:db8:0:77::5";
    expect(await nsHost.hasAddress("eth0", vip)).toBe(false);
    await nsHost.addAddress("eth0", vip, 64);
    await nsHost.addAddress("eth0", vip, 64);

    const added = addressesNow().filter((a) => a.local === vip);
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({ family: "inet6", prefixlen: 64 });
    // Without nodad the kernel keeps a new address tentative while it probes for a duplicate.
    expect(added[0]!.tentative).toBeUndefined();
    expect(await nsHost.hasAddress("eth0", vip)).toBe(true);
    // The IPv4 address beside it is read from the same JSON.
    expect(await nsHost.hasAddress("eth0", "10.231.78.10")).toBe(true);

    await nsHost.removeAddress("eth0", vip, 64);
    await nsHost.removeAddress("eth0", vip, 64);
    expect(await nsHost.hasAddress("eth0", vip)).toBe(false);
    expect(addressesNow().map((a) => a.local)).not.toContain(vip);
  });

  it("removes an IPv6 overlay address whatever prefix it was added with", async () => {
    run(["ip", "-n", netns, "addr", "add", "2001:db8:ff00::1/128", "dev", "eth0", "nodad"]);
    await nsHost.removeAddress("eth0", "2001:db8:ff00::1", 64);
    expect(addressesNow().map((a) => a.local)).not.toContain("2001:db8:ff00::1");
  });

  it("announcing an IPv6 address does nothing and does not fail (no tool sends an unsolicited neighbour advertisement)", async () => {
    await nsHost.addAddress("eth0", "2001:db8:0:77::6", 64);
    await expect(nsHost.announceAddress("eth0", "2001:db8:0:77::6")).resolves.toBeUndefined();
  });
});

import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

// A node's network interfaces, as `ip -j link show` lists them, for the shipped CLI on a machine
// that has no eth1: an `ip` in a directory of the node's own, put first on its PATH. It answers that
// one command from a file and refuses every other (keepalived adds the addresses, so a scenario
// under keepalived asks nothing else of ip).

export interface FakeLink {
  name: string;
  mac: string;
}

/** Writes `ip` into `dir` listing `links`; returns the PATH that finds it first. */
export function fakeIpPath(dir: string, links: readonly FakeLink[]): string {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const listing = join(dir, "links.json");
  writeFileSync(
    listing,
    JSON.stringify(
      links.map((l, i) => ({ ifindex: i + 2, ifname: l.name, flags: ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"], address: l.mac })),
    ),
  );
  const script = join(dir, "ip");
  writeFileSync(
    script,
    `#!/bin/sh\nif [ "$*" = "-j link show" ]; then exec cat '${listing}'; fi\necho "ip (stand-in): $* is not modelled" >&2\nexit 1\n`,
  );
  chmodSync(script, 0o755);
  return `${dir}:${process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin"}`;
}

import { describe, expect, it } from "vitest";
import { fencingTimingFindings } from "../../../src/check/fencing-timing";
import type { ClusterDescription } from "../../../src/cluster/schema";
import { clusterOf } from "../support/cluster";

const volume = { kind: "volume", name: "data", volumeId: "vol-0abc0000000000001", mountPoint: "/srv/data" };
const vip = (release: boolean) => ({ kind: "vip", name: "web-vip", address: "10.0.1.100", prefix: 24, release });

const nodeNamed = (d: ClusterDescription, name: string) => d.nodes.find((n) => n.name === name)!;

describe("aws-ha-notify check on fencing.stopPeerOnTakeover's timing", () => {
  it("with the defaults and a volume, warns on the lower node: its turn (20 s) and the stop (120 s) do not fit the 120 s transition", () => {
    const d = clusterOf([volume], { fencing: { stopPeerOnTakeover: true } });

    const [finding] = fencingTimingFindings(d, nodeNamed(d, "node-b"));

    expect(finding).toMatchObject({ verdict: "warn", topic: "fencing" });
    expect(finding!.message).toBe(
      "node-b stops a peer that did not hand over after its turn (20 s) and waits up to fencing.stopTimeout (120 s) for it: 140 s, " +
        "not within timeouts.transition (120 s), so such a stop may be cut short; " +
        "raise timeouts.transition above 140 s, or lower fencing.stopTimeout or fencing.stopPeerDelay",
    );
  });

  it("is content when the transition leaves room for the turn and the stop", () => {
    const d = clusterOf([volume], { fencing: { stopPeerOnTakeover: true }, timeouts: { transition: 200 } });
    expect(fencingTimingFindings(d, nodeNamed(d, "node-b"))).toEqual([
      expect.objectContaining({ verdict: "ok", message: expect.stringContaining("140 s, within timeouts.transition (200 s)") }),
    ]);
  });

  it("the highest node takes the first turn: without a volume or ENI it waits none", () => {
    const d = clusterOf([vip(true)], { fencing: { stopPeerOnTakeover: true, stopTimeout: 60 } });
    expect(fencingTimingFindings(d, nodeNamed(d, "node-a"))[0]!.message).toContain("after its turn (0 s)");
  });

  it("says nothing when no peer is ever stopped: the setting off, or nothing a release gives back", () => {
    const off = clusterOf([volume]);
    expect(fencingTimingFindings(off, nodeNamed(off, "node-b"))).toEqual([]);
    const nothingToGiveBack = clusterOf([vip(false)], { fencing: { stopPeerOnTakeover: true } });
    expect(fencingTimingFindings(nothingToGiveBack, nodeNamed(nothingToGiveBack, "node-b"))).toEqual([]);
  });
});

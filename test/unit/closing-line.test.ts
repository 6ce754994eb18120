import { describe, expect, it } from "vitest";
import type { Holding, Outcome } from "../../src/kinds/resource";
import { resourcesFor } from "../../src/kinds/registry";
import { closingLine } from "../../src/transition/closing-line";
import type { StepResult } from "../../src/transition/execute";
import { planTransition, type Plan } from "../../src/transition/plan";
import type { Direction } from "../../src/transition/transition";
import { a, b, clusterOf } from "./support/cluster";

// The last line of a transition says what moved where. The resources are the real kinds built from
// a description; inspect's holdings and the outcomes are given, as a finished transition has them.

const description = clusterOf([
  { kind: "vip", name: "web-vip", address: "10.0.1.100" },
  { kind: "eip", name: "web-eip", allocationId: "eipalloc-0123456789abcdef0", privateAddress: "10.0.1.100" },
  { kind: "volume", name: "data", volumeId: "vol-0123456789abcdef0", device: "/dev/xvdf", mountPoint: "/srv/data", fsType: "ext4" },
  { kind: "hook", name: "announce", acquire: ["/usr/local/bin/announce", "up"] },
]);
const resources = resourcesFor(description);

const onPeer = (detail: string): Holding => ({ held: false, holder: b.instanceId, detail });
const here = (detail: string): Holding => ({ held: true, holder: a.instanceId, detail });
const whereabouts = (ms: number) => ({ nodes: description.nodes, self: a.instanceId, ms });

function finished(
  direction: Direction,
  holdings: Record<string, Holding>,
  outcomes: Record<string, Outcome | Error>,
): [Plan, StepResult[]] {
  const plan = planTransition(
    { direction, cause: direction === "acquire" ? "MASTER" : "BACKUP" },
    resources,
    new Map(Object.entries(holdings)),
  );
  const results = plan.steps.map((step): StepResult => {
    const outcome = outcomes[step.resource.name] ?? "changed";
    return outcome instanceof Error ? { step, error: outcome } : { step, outcome };
  });
  return [plan, results];
}

describe("the closing line of a transition", () => {
  it("a takeover names each resource, where it came from and how long it took", () => {
    const [plan, results] = finished(
      "acquire",
      {
        "web-vip": onPeer("10.0.1.100 on eni-0bbbbbbbbbbbbbbb2 (node-b, i-0bbbbbbbbbbbbbbb2)"),
        // EC2 moved the Elastic IP along with its VIP: no call, yet it moved.
        "web-eip": onPeer("203.0.113.7 → 10.0.1.100 on eni-0bbbbbbbbbbbbbbb2 (node-b, i-0bbbbbbbbbbbbbbb2)"),
        data: onPeer("attached to i-0bbbbbbbbbbbbbbb2"),
        announce: { held: false, detail: "runs on every transition" },
      },
      { "web-eip": "unchanged" },
    );
    expect(closingLine(plan, results, whereabouts(1234))).toBe(
      "acquire done: vip 10.0.1.100 from node-b, eip 203.0.113.7 → 10.0.1.100 from node-b, volume data mounted on /srv/data from node-b, hook announce ran (1.2 s)",
    );
  });

  it("resources already here are not listed, and a holder that is no cluster node is not named", () => {
    const [plan, results] = finished(
      "acquire",
      {
        "web-vip": here("10.0.1.100 on eni-0aaaaaaaaaaaaaaa1 (this node)"),
        "web-eip": { held: false, holder: "i-0fffffffffffffff9", detail: "203.0.113.7 → 10.0.5.5 on eni-0fff (i-0fffffffffffffff9)" },
        data: here("mounted on /srv/data"),
        announce: { held: false, detail: "runs on every transition" },
      },
      { announce: "unchanged" },
    );
    expect(closingLine(plan, results, whereabouts(200))).toBe("acquire done: eip 203.0.113.7 → 10.0.1.100 (0.2 s)");
  });

  it("nothing moved: says so, with how many resources were already as wanted", () => {
    const quiet = resources.filter((r) => r.inspectable);
    const plan = planTransition({ direction: "acquire", cause: "MASTER" }, quiet, new Map(quiet.map((r) => [r.name, here("here")])));
    expect(closingLine(plan, [], whereabouts(180))).toBe("acquire done: nothing to change (all 3 resources already here) (0.2 s)");
  });

  it("a release lists what it gave up; a release that kept the address (release: false) does not claim it", () => {
    const [plan, results] = finished(
      "release",
      {
        "web-vip": here("10.0.1.100 on eni-0aaaaaaaaaaaaaaa1 (this node)"),
        "web-eip": here("203.0.113.7 → 10.0.1.100 on eni-0aaaaaaaaaaaaaaa1 (this node)"),
        data: here("mounted on /srv/data"),
        announce: { held: false, detail: "runs on every transition" },
      },
      { "web-eip": "unchanged", announce: "unchanged" },
    );
    expect(closingLine(plan, results, whereabouts(2500))).toBe(
      "release done: vip 10.0.1.100 removed from the interface, volume data unmounted and detached (2.5 s)",
    );
  });

  it("a failure keeps the words operators search for, counts the failed steps and still says what moved", () => {
    const [plan, results] = finished(
      "acquire",
      {
        "web-vip": onPeer("10.0.1.100 on eni-0bbbbbbbbbbbbbbb2 (node-b, i-0bbbbbbbbbbbbbbb2)"),
        "web-eip": here("203.0.113.7 → 10.0.1.100 on eni-0aaaaaaaaaaaaaaa1 (this node)"),
        data: onPeer("attached to i-0bbbbbbbbbbbbbbb2"),
        announce: { held: false, detail: "runs on every transition" },
      },
      { data: new Error("volume data: still attached to i-0bbbbbbbbbbbbbbb2"), announce: new Error("not attempted") },
    );
    expect(closingLine(plan, results, whereabouts(30_000))).toBe(
      "acquire incomplete: 2 of 3 steps failed; vip 10.0.1.100 from node-b (30.0 s)",
    );
  });
});

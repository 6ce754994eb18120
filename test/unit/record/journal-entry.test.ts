import { hostname } from "node:os";
import { describe, expect, it } from "vitest";
import type { Holding } from "../../../src/kinds/resource";
import { resourcesFor } from "../../../src/kinds/registry";
import { entryOfFailure, entryOfRun } from "../../../src/record/journal-entry";
import { AwsHaError } from "../../../src/errors";
import type { StepResult } from "../../../src/transition/execute";
import { planTransition } from "../../../src/transition/plan";
import { a, b, clusterOf } from "../support/cluster";

// What the journal keeps of a transition that ran: every step with its outcome, duration and
// error, whether this node holds each resource afterwards, and what moved in the closing line's words.

const description = clusterOf([
  { kind: "vip", name: "web-vip", address: "10.0.1.100" },
  { kind: "eip", name: "web-eip", allocationId: "eipalloc-0123456789abcdef0", privateAddress: "10.0.1.100" },
  { kind: "route", name: "overlay", address: "192.168.100.1", routeTables: ["rtb-0aaaaaaaaaaaaaaa1"] },
  { kind: "hook", name: "announce", acquire: ["/usr/local/bin/announce", "up"] },
]);
const onPeer = (detail: string): Holding => ({ held: false, holder: b.instanceId, detail });
const now = new Date("2026-11-30T15:40:02.123Z");

describe("a journal entry", () => {
  it("of a takeover whose Elastic IP failed: each step, who holds what after it, what moved from whom", () => {
    const plan = planTransition(
      { direction: "acquire", cause: "MASTER" },
      resourcesFor(description),
      new Map(
        Object.entries({
          "web-vip": onPeer("10.0.1.100 on eni-0bbbbbbbbbbbbbbb2 (node-b, i-0bbbbbbbbbbbbbbb2)"),
          "web-eip": onPeer("203.0.113.7 → 10.0.1.100 on eni-0bbbbbbbbbbbbbbb2"),
          overlay: { held: true, holder: a.networkInterfaceId, detail: "via eni-0aaaaaaaaaaaaaaa1" },
          announce: { held: false, detail: "runs on every transition" },
        }),
      ),
    );
    const results: StepResult[] = plan.steps.map((step) =>
      step.resource.name === "web-eip"
        ? { step, ms: 5003, error: new AwsHaError("permission", "ec2:AssociateAddress was denied", { fix: "attach the policy" }) }
        : { step, outcome: "changed", ms: 100 },
    );
    const self = description.nodes.find((n) => n.name === "node-a")!;

    const entry = entryOfRun(description.cluster, description.nodes, { plan, results, self }, 5123.4, now);

    expect(entry).toEqual({
      time: "2026-11-30T15:40:02.123Z",
      event: "MASTER",
      direction: "acquire",
      cluster: "web",
      node: "node-a",
      outcome: "incomplete",
      ms: 5123,
      moved: ["vip 10.0.1.100 from node-b", "hook announce ran"],
      steps: [
        { name: "web-vip", kind: "vip", action: "acquire", outcome: "changed", ms: 100, held: true },
        {
          name: "web-eip",
          kind: "eip",
          action: "acquire",
          outcome: "failed",
          ms: 5003,
          error: "ec2:AssociateAddress was denied; attach the policy",
          held: false,
        },
        { name: "announce", kind: "hook", action: "acquire", outcome: "changed", ms: 100 },
      ],
      kept: [{ name: "overlay", kind: "route", held: true }],
      error: "1 of 3 steps failed",
    });
  });

  it("of a transition that could not run keeps its error and no steps", () => {
    const entry = entryOfFailure("web", { cause: "MASTER", direction: "acquire" }, 30_000, new AwsHaError("host", "lock held"), now);
    expect(entry).toMatchObject({ outcome: "failed", error: "lock held", steps: [], moved: [], ms: 30_000 });
  });

  it("of a transition that could not run names the node as the description does when it is known, else the host", () => {
    const failure = new AwsHaError("host", "lock held");
    expect(entryOfFailure("web", { cause: "MASTER", direction: "acquire" }, 1, failure, now, "lb-a").node).toBe("lb-a");
    expect(entryOfFailure("web", { cause: "MASTER", direction: "acquire" }, 1, failure, now).node).toBe(hostname());
  });
});

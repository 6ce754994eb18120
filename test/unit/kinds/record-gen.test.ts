import { describe, expect, it } from "vitest";
import { exampleDescription } from "../../../src/cli/gen/init";
import { lazyRoute53 } from "../../../src/cloud/route53-port";
import { SdkRoute53 } from "../../../src/cloud/route53-sdk";
import { parseClusterDescription } from "../../../src/cluster/parse";
import { AwsHaError } from "../../../src/errors";
import { buildIamPolicy } from "../../../src/gen/iam-policy";
import { renderPacemaker } from "../../../src/gen/pacemaker";
import { buildPorts } from "../../../src/session/ports";
import { Deadline } from "../../../src/time/deadline";
import { clusterOf } from "../support/cluster";
import { memoryLog } from "../support/memory-log";

// What aws-ha-gen makes of a record: its statements in the IAM policy (route53: actions on its
// zone; GetChange only where a record waits for INSYNC), its place in Pacemaker's start order, and
// the example `aws-ha-gen init` prints. And how the Route53 adapter waits out throttling.

const record = {
  kind: "record",
  name: "db-dns",
  hostedZoneId: "Z0123456789ABCDEFGHIJ",
  zone: "example.com.",
  recordName: "db.example.com.",
};

describe("the IAM policy of a description with records", () => {
  it("grants ChangeResourceRecordSets and ListResourceRecordSets on the record's hosted zone only, with route53: prefixes", () => {
    const policy = buildIamPolicy(clusterOf([record, { ...record, name: "db-dns-2", recordName: "api.example.com." }]));
    expect(policy.Statement.find((s) => s.Sid === "ChangeDnsRecords")).toEqual({
      Sid: "ChangeDnsRecords",
      Effect: "Allow",
      Action: ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets"],
      Resource: ["arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ"],
    });
    expect(policy.Statement.find((s) => s.Sid === "WaitForDnsChanges")).toBeUndefined();
    // EC2 reads stay EC2's.
    expect(policy.Statement[0]!.Action.every((a) => a.startsWith("ec2:"))).toBe(true);
  });

  it("grants GetChange on change/* once a record waits for INSYNC", () => {
    const policy = buildIamPolicy(clusterOf([{ ...record, waitInSync: true }]));
    expect(policy.Statement.find((s) => s.Sid === "WaitForDnsChanges")).toEqual({
      Sid: "WaitForDnsChanges",
      Effect: "Allow",
      Action: ["route53:GetChange"],
      Resource: ["arn:aws:route53:::change/*"],
    });
  });

  it("names no Route53 action for a description without records", () => {
    const policy = buildIamPolicy(clusterOf([{ kind: "vip", name: "web-vip", address: "10.0.1.100" }]));
    expect(JSON.stringify(policy)).not.toMatch(/route53/);
  });
});

describe("Pacemaker's start order", () => {
  it("starts a record after the vip and the eip whose address it may hold, before the hooks and services", () => {
    const d = clusterOf(
      [
        { kind: "service", name: "app", unit: "app.service" },
        { kind: "hook", name: "promote", acquire: ["/usr/local/bin/promote"] },
        { ...record, pointsAt: { eip: "web-eip" } },
        { kind: "eip", name: "web-eip", allocationId: "eipalloc-0a1b2c3d4e5f60e01", privateAddress: "10.0.1.100" },
        { kind: "vip", name: "web-vip", address: "10.0.1.100" },
      ],
      { manager: "pacemaker", region: "eu-west-1" },
    );
    const rendered = renderPacemaker(d, { clusterPath: "/etc/aws-ha/cluster.yaml" });
    expect(rendered).toContain("web-vip → web-eip → db-dns → promote → app");
  });
});

describe("the example aws-ha-gen init prints", () => {
  it("has a commented record that, uncommented, is a valid description", () => {
    const lines = exampleDescription.split("\n");
    const first = lines.findIndex((l) => l === "  # - kind: record");
    expect(first).toBeGreaterThan(0);
    const block = [];
    for (let i = first; i < lines.length && /^ {2}# {1,3}\S/.test(lines[i]!) && !/^ {2}# [A-Z]/.test(lines[i]!); i++)
      block.push(lines[i]!.replace(/^ {2}# /, "  "));
    const uncommented = [...lines.slice(0, first), ...block, ...lines.slice(first + block.length)].join("\n");
    const d = parseClusterDescription(uncommented, "cluster.yaml");
    expect(d.resources.find((r) => r.kind === "record")).toMatchObject({ name: "db-dns", recordName: "db.example.com.", pointsAt: "node" });
  });
});

/** A client whose every send fails with `code` the first `failures` times, then answers `answer`. */
function flakyClient(code: string, failures: number, answer: unknown) {
  const sent: number[] = [];
  return {
    sent,
    client: {
      send: async () => {
        sent.push(performance.now());
        if (sent.length <= failures)
          throw Object.assign(new Error("Rate exceeded"), { name: code, $fault: "client", $metadata: { httpStatusCode: 400 } });
        return answer;
      },
    },
  };
}

describe("the Route53 adapter's retries", () => {
  const change = { ChangeInfo: { Id: "/change/C1", Status: "PENDING" } };

  it("sends again after Throttling and PriorRequestNotComplete, with jittered pauses that grow", async () => {
    const { client, sent } = flakyClient("PriorRequestNotComplete", 4, change);
    const delays: number[] = [];
    const r53 = new SdkRoute53(
      client as never,
      new Deadline(10_000),
      (_, __, ms) => delays.push(ms),
      () => 0.5,
    );

    expect(await r53.changeStatus("C1")).toEqual({ id: "C1", status: "PENDING" });
    expect(sent).toHaveLength(5);
    // Half of 100, 200, 400, 800 ms: the ceiling doubles; the random draw picks within it.
    expect(delays).toEqual([50, 100, 200, 400]);
  });

  it("gives up when the next pause would pass the deadline, with the throttling as the reason", async () => {
    const { client, sent } = flakyClient("Throttling", 1000, change);
    const started = performance.now();
    const error = await new SdkRoute53(client as never, new Deadline(1_000), undefined, () => 1)
      .changeStatus("C1")
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AwsHaError);
    expect((error as AwsHaError).message).toBe("Route53 throttled GetChange until the transition deadline (Throttling)");
    expect((error as AwsHaError).details.fix).toMatch(/5 requests a second/);
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(sent.length).toBeGreaterThan(2);
  });

  it("does not send again what Route53 refused for itself (NoSuchHostedZone)", async () => {
    const { client, sent } = flakyClient("NoSuchHostedZone", 1000, change);
    const error = await new SdkRoute53(client as never, new Deadline(10_000))
      .readRecord("Z1", "db.example.com.", "A")
      .catch((e: unknown) => e);

    expect(sent).toHaveLength(1);
    expect((error as AwsHaError).kind).toBe("config");
    expect((error as AwsHaError).message).toBe("Route53 ListResourceRecordSets: hosted zone Z1 does not exist (NoSuchHostedZone)");
  });
});

describe("who pays for the Route53 client", () => {
  it("a description without records gets no Route53 port, so nothing imports the client", () => {
    const { log } = memoryLog();
    expect(buildPorts(clusterOf([{ kind: "vip", name: "web-vip", address: "10.0.1.100" }]), log, {}).route53).toBeUndefined();
    expect(buildPorts(clusterOf([record]), log, {}).route53).toBeTypeOf("function");
  });

  it("a description with records imports it on the first Route53 call, once for all the calls", async () => {
    let loads = 0;
    const port = lazyRoute53(async () => {
      loads += 1;
      return { readRecord: async () => undefined } as never;
    });
    expect(loads).toBe(0);
    await Promise.all([port.readRecord("Z1", "a.example.com.", "A"), port.readRecord("Z1", "b.example.com.", "A")]);
    expect(loads).toBe(1);
  });
});

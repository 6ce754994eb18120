import type { IncomingMessage } from "node:http";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEc2Client } from "../../src/cloud/ec2-client";
import type { AttachmentState, InstanceState, VolumeState } from "../../src/cloud/ec2-port";
import { SdkEc2 } from "../../src/cloud/ec2-sdk";
import { AwsHaError, type ErrorKind } from "../../src/errors";
import { ec2Answer } from "./fuzz-support/ec2-answers";
import { breaksLine } from "./fuzz-support/output-shape";
import { checkProperty, shrinkingTimeoutMs } from "./fuzz-support/property-run";
import { describeScript, ScriptedServer, type Answer, type Script } from "./fuzz-support/scripted-http";

// The EC2 adapter over the real SDK (the client every node builds, its retries and timeouts
// included), against a loopback endpoint that answers each action with anything: EC2's own shapes
// with fields missing, repeated or of the wrong type, error envelopes with real and invented codes,
// broken XML, entity bombs, status codes that do not go with the body, drips, floods and silence.
// Each call comes back by the transition's deadline with a value or a typed error of one
// line; a value states only what EC2 can mean.

const eni = "eni-0aaaaaaaaaaaaaaa1";
const ip = "10.0.1.100";
const rtb = "rtb-0aaaaaaaaaaaaaaa1";
const cidr = "192.168.100.1/32";
const vol = "vol-0aaaaaaaaaaaaaaa1";
const me = "i-0aaaaaaaaaaaaaaa1";
const alloc = "eipalloc-0aaaaaaaaaaaaaaa1";

interface Call {
  name: string;
  /** The EC2 actions it may send. */
  actions: string[];
  run(ec2: SdkEc2): Promise<unknown>;
}

const calls: Call[] = [
  { name: "describeInterface", actions: ["DescribeNetworkInterfaces"], run: (e) => e.describeInterface(eni) },
  { name: "findInterfaceByPrivateIp", actions: ["DescribeNetworkInterfaces"], run: (e) => e.findInterfaceByPrivateIp(ip) },
  { name: "assignPrivateIp", actions: ["AssignPrivateIpAddresses"], run: (e) => e.assignPrivateIp(eni, ip) },
  { name: "unassignPrivateIp", actions: ["UnassignPrivateIpAddresses"], run: (e) => e.unassignPrivateIp(eni, ip) },
  { name: "describeAddress", actions: ["DescribeAddresses"], run: (e) => e.describeAddress(alloc) },
  { name: "describeAddressByPublicIp", actions: ["DescribeAddresses"], run: (e) => e.describeAddressByPublicIp("203.0.113.10") },
  { name: "associateAddress", actions: ["AssociateAddress"], run: (e) => e.associateAddress(alloc, eni, ip) },
  {
    name: "disassociateAddressFrom",
    actions: ["DescribeAddresses", "DisassociateAddress"],
    run: (e) => e.disassociateAddressFrom(alloc, eni),
  },
  { name: "describeRoutes", actions: ["DescribeRouteTables"], run: (e) => e.describeRoutes([rtb], cidr) },
  { name: "routeTo", actions: ["ReplaceRoute", "CreateRoute"], run: (e) => e.routeTo(rtb, cidr, eni) },
  { name: "deleteRouteTo", actions: ["DescribeRouteTables", "DeleteRoute"], run: (e) => e.deleteRouteTo(rtb, cidr, eni) },
  { name: "disableSourceDestCheck", actions: ["ModifyNetworkInterfaceAttribute"], run: (e) => e.disableSourceDestCheck(eni) },
  { name: "describeVolume", actions: ["DescribeVolumes"], run: (e) => e.describeVolume(vol) },
  { name: "attachVolume", actions: ["AttachVolume"], run: (e) => e.attachVolume(vol, me, "/dev/sdf") },
  { name: "detachVolume", actions: ["DetachVolume"], run: (e) => e.detachVolume(vol, me, true) },
  { name: "describeInstance", actions: ["DescribeInstances"], run: (e) => e.describeInstance(me) },
  { name: "stopInstance", actions: ["StopInstances"], run: (e) => e.stopInstance(me) },
  {
    name: "dryRun AttachVolume",
    actions: ["AttachVolume"],
    run: (e) => e.dryRun({ action: "AttachVolume", volumeId: vol, instanceId: me, device: "/dev/sdf" }),
  },
  {
    name: "dryRun ReplaceRoute",
    actions: ["ReplaceRoute"],
    run: (e) => e.dryRun({ action: "ReplaceRoute", routeTableId: rtb, cidr, networkInterfaceId: eni }),
  },
  { name: "dryRun DescribeVolumes", actions: ["DescribeVolumes"], run: (e) => e.dryRun({ action: "DescribeVolumes" }) },
];

/** The transition deadline a call runs under; the SDK's own timeouts are smaller still. */
const deadlineMs = 1_500;
/** Past the deadline: the SDK may finish a backoff sleep (up to 2 s for throttling) before it looks at the signal again. */
const boundMs = deadlineMs + 6_000;
const errorKinds: ErrorKind[] = ["permission", "config", "conflict", "cloud", "timeout"];

interface Case {
  call: Call;
  script: Script;
}

/** A call and, for each action it may send, the answers EC2 gives in turn (one branch per call, so a failure shrinks within it). */
function caseOf(callsToMake: readonly Call[], transport: boolean): fc.Arbitrary<Case> {
  return fc.oneof(
    ...callsToMake.map((call) =>
      fc
        .record(
          Object.fromEntries(
            call.actions.map((action) => [
              action,
              fc.array(ec2Answer(action, { maxDripMs: 600, floodBytes: 1 << 20, transport }), { minLength: 1, maxLength: 4 }),
            ]),
          ) as Record<string, fc.Arbitrary<Answer[]>>,
        )
        .map((script) => Object.assign({ call, script }, { [fc.toStringMethod]: () => `${call.name} ${describeScript(script)}` })),
    ),
  );
}

// One endpoint for the whole file (the SDK reads it from AWS_ENDPOINT_URL_EC2, as on a node): the
// calls that run at once are told apart by their access key, and each one's script by the action.
let server: ScriptedServer;
const scripts = new Map<string, Script>();
const savedEnv = {
  AWS_ENDPOINT_URL_EC2: process.env.AWS_ENDPOINT_URL_EC2,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED,
};

function keyOf(req: IncomingMessage, body: string): string {
  const accessKey = /Credential=([^/]+)\//.exec(String(req.headers.authorization ?? ""))?.[1] ?? "";
  const action = new URLSearchParams(body).get("Action") ?? "";
  return `${accessKey} ${action}`;
}

beforeAll(async () => {
  const route: Script = {};
  server = new ScriptedServer(
    new Proxy(route, {
      get: (_t, key: string) => {
        const [accessKey, action] = key.split(" ");
        return scripts.get(accessKey!)?.[action!];
      },
    }),
    keyOf,
  );
  process.env.AWS_ENDPOINT_URL_EC2 = await server.start();
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
});
afterAll(async () => {
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await server.stop();
});

type Outcome = { value: unknown } | { error: unknown } | { hang: true };

let nextKey = 0;
async function runCase(c: Case): Promise<Outcome> {
  const accessKey = `AKIDFUZZ${String(nextKey++).padStart(8, "0")}`;
  scripts.set(accessKey, c.script);
  const client = createEc2Client({
    region: "eu-west-1",
    timeouts: { transition: deadlineMs / 1000, request: 0.25, connect: 0.25, metadata: 1, volume: 1 },
    credentials: { accessKeyId: accessKey, secretAccessKey: "fuzz" },
  });
  const deadline = AbortSignal.timeout(deadlineMs);
  const ec2 = new SdkEc2(client, () => deadline);
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race<Outcome>([
      c.call.run(ec2).then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      ),
      new Promise<Outcome>((resolve) => (timer = setTimeout(() => resolve({ hang: true }), boundMs))),
    ]);
  } finally {
    clearTimeout(timer);
    client.destroy();
    scripts.delete(accessKey);
  }
}

// A few calls at once: most of a case is the SDK's backoff and timeouts, not CPU.
const batch = fc.array(caseOf(calls, true), { minLength: 1, maxLength: 4 });

describe("the EC2 adapter over the real SDK, against an endpoint that answers anything", () => {
  it(
    "comes back by the deadline with a value or a one-line typed error",
    async () => {
      await checkProperty(
        "EC2 adapter against random answers",
        fc.asyncProperty(batch, async (cases) => {
          const outcomes = await Promise.all(cases.map(runCase));
          for (const [i, outcome] of outcomes.entries()) {
            const name = cases[i]!.call.name;
            expect("hang" in outcome, `${name}: no answer within ${boundMs} ms`).toBe(false);
            if (!("error" in outcome)) continue;
            const error = outcome.error;
            expect(error, `${name}: not an AwsHaError: ${String(error)}`).toBeInstanceOf(AwsHaError);
            expect(errorKinds).toContain((error as AwsHaError).kind);
            expect(
              breaksLine((error as AwsHaError).describe()),
              `${name}: ${JSON.stringify((error as AwsHaError).describe()).slice(0, 300)}`,
            ).toBeUndefined();
          }
        }),
        { runs: 30 },
      );
    },
    shrinkingTimeoutMs,
  );

  // Volume and instance states decide fencing and force-detaching: an answer EC2 cannot give must
  // not pass as one of them.
  it(
    "states only what EC2 can mean: the documented volume, attachment and instance states",
    async () => {
      const volumeStates: VolumeState[] = ["creating", "available", "in-use", "deleting", "deleted", "error"];
      const attachmentStates: AttachmentState[] = ["attaching", "attached", "detaching", "detached", "busy"];
      const instanceStates: InstanceState[] = ["pending", "running", "stopping", "stopped", "shutting-down", "terminated"];
      // Answers only, no transport faults: the first property covers those, and this one shrinks fast.
      const describing = caseOf(
        calls.filter((c) => c.name === "describeVolume" || c.name === "describeInstance"),
        false,
      );
      await checkProperty(
        "EC2 adapter answers",
        fc.asyncProperty(fc.array(describing, { minLength: 1, maxLength: 4 }), async (cases) => {
          const outcomes = await Promise.all(cases.map(runCase));
          for (const [i, outcome] of outcomes.entries()) {
            if (!("value" in outcome)) continue;
            const value = outcome.value as Record<string, unknown>;
            switch (cases[i]!.call.name) {
              case "describeVolume": {
                expect(volumeStates).toContain(value.state);
                for (const a of value.attachments as { state: string }[]) {
                  expect(attachmentStates).toContain(a.state);
                }
                break;
              }
              case "describeInstance":
                expect(instanceStates).toContain(value.state);
                break;
            }
          }
        }),
        { runs: 24 },
      );
    },
    shrinkingTimeoutMs,
  );
});

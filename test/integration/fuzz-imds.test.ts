import type { IncomingMessage } from "node:http";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { FetchImds } from "../../src/cloud/imds";
import type { Identity } from "../../src/cloud/identity";
import { ipv4 } from "../../src/cluster/schema";
import { AwsHaError } from "../../src/errors";
import { breaksLine } from "./fuzz-support/output-shape";
import { checkProperty, shrinkingTimeoutMs } from "./fuzz-support/property-run";
import { answer, answers, describeScript, ScriptedServer, type Answer, type Script } from "./fuzz-support/scripted-http";

// The metadata client against a loopback service that answers anything: any status, any body, bodies
// cut short or dripped slowly, floods, garbage instead of HTTP, silence. Whatever it gets, it must
// come back within its timeouts with this instance's identity or with a typed error of one
// line, and never buffer a flood that no metadata value could be.

/** Per request; small, so that silence and drips cost little. Retries and a token refresh multiply it. */
const timeoutMs = 80;
/** Token, then mac, then the interface's paths, each with its retries, backoff and a token refresh: far below this. */
const boundMs = 3_000 + 40 * timeoutMs;
const floodBytes = 16 << 20;

const real: Record<string, string> = {
  token: "AQAEAFuzzTokenValue0123456789==",
  "instance-id": "i-0aaaaaaaaaaaaaaa1",
  "placement/region": "eu-west-1",
  "placement/availability-zone": "eu-west-1b",
  mac: "0e:11:22:33:44:55",
  "interface-id": "eni-0aaaaaaaaaaaaaaa1",
  "local-ipv4s": "10.0.1.10\n10.0.1.100",
};

/** The kind of request, as the script knows it: the token, or the metadata path (an interface's paths without its MAC). */
function keyOf(req: IncomingMessage): string {
  if (req.method === "PUT") return "token";
  const path = (req.url ?? "").replace(/^\/+latest\/+meta-data\/+/, "");
  const mac = /^network\/interfaces\/macs\/[^/]*\/(.*)$/.exec(path);
  return mac ? mac[1]! : path;
}

function bodyFor(key: string): fc.Arbitrary<string> {
  const value = real[key]!;
  return fc.oneof(
    { weight: 8, arbitrary: fc.constant(value) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(`${value}\n`, ` ${value} `, `${value}\nINJECTED log line`, `${value}\u0000`, value.toUpperCase()),
    },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 30 }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "",
        "<html><body>Proxy login</body></html>",
        '{"Code":"Success"}',
        "../../latest/api/token",
        "a/b?c#d",
        "x".repeat(100_000),
      ),
    },
  );
}

const scriptArbitrary: fc.Arbitrary<Script> = fc.record(
  Object.fromEntries(Object.keys(real).map((key) => [key, answers(answer(bodyFor(key), { maxDripMs: 4 * timeoutMs, floodBytes }))])),
) as fc.Arbitrary<Script>;

const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

type Outcome = { identity: Identity } | { error: unknown } | { hang: true };

async function identityFrom(
  script: Script,
  options: { timeoutMs: number; boundMs: number },
): Promise<{ outcome: Outcome; server: ScriptedServer }> {
  const server = new ScriptedServer(script, (req) => keyOf(req));
  servers.push(server);
  const endpoint = await server.start();
  const imds = new FetchImds({ endpoint, timeoutMs: options.timeoutMs });
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race<Outcome>([
    imds.identity().then(
      (identity) => ({ identity }),
      (error: unknown) => ({ error }),
    ),
    new Promise<Outcome>((resolve) => (timer = setTimeout(() => resolve({ hang: true }), options.boundMs))),
  ]);
  clearTimeout(timer);
  return { outcome, server };
}

function expectTypedError(error: unknown): void {
  expect(error, `not an AwsHaError: ${String(error)}`).toBeInstanceOf(AwsHaError);
  expect(["cloud", "config"]).toContain((error as AwsHaError).kind);
  expect(breaksLine((error as AwsHaError).describe())).toBeUndefined();
}

const withReport = (script: Script) => Object.assign(script, { [fc.toStringMethod]: () => describeScript(script) });

describe("the metadata client, against a service that answers anything", () => {
  // Each case runs a few services at once: most of a case is waiting for timeouts, not CPU.
  const batch = fc.array(scriptArbitrary.map(withReport), { minLength: 1, maxLength: 4 });

  it(
    "comes back within its timeouts with an identity or a one-line typed error, and cuts every flood short",
    async () => {
      await checkProperty(
        "IMDS client against random answers",
        fc.asyncProperty(batch, async (scripts) => {
          const results = await Promise.all(scripts.map((script) => identityFrom(script, { timeoutMs, boundMs })));
          await Promise.all(results.map(({ server }) => server.stop()));
          for (const { outcome, server } of results) {
            expect("hang" in outcome, `no answer within ${boundMs} ms`).toBe(false);
            if ("error" in outcome) expectTypedError(outcome.error);
            for (const flood of server.floods) expect(flood.completed, `read a ${flood.bytes}-byte answer to its end`).toBe(false);
          }
        }),
        { runs: 24 },
      );
    },
    shrinkingTimeoutMs,
  );

  it(
    "gives an identity only when every value in it is well-formed",
    async () => {
      await checkProperty(
        "IMDS identity values",
        fc.asyncProperty(batch, async (scripts) => {
          const results = await Promise.all(scripts.map((script) => identityFrom(script, { timeoutMs, boundMs })));
          await Promise.all(results.map(({ server }) => server.stop()));
          for (const { outcome } of results) {
            if (!("identity" in outcome)) continue;
            const id = outcome.identity;
            expect(id.instanceId).toMatch(/^i-[0-9a-f]{8,17}$/);
            expect(id.region).toMatch(/^[a-z]{2}(-[a-z]+)+-\d$/);
            expect(id.availabilityZone).toMatch(/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/);
            expect(id.availabilityZone.startsWith(id.region), `${id.availabilityZone} is not in ${id.region}`).toBe(true);
            expect(id.mac).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
            expect(id.networkInterfaceId).toMatch(/^eni-[0-9a-f]{8,17}$/);
            expect(id.localIpv4s.length).toBeGreaterThan(0);
            for (const ip of id.localIpv4s) expect(ipv4.safeParse(ip).success, `local-ipv4s has ${JSON.stringify(ip)}`).toBe(true);
          }
        }),
        { runs: 24 },
      );
    },
    shrinkingTimeoutMs,
  );

  it(
    "refuses a 16 MiB metadata answer without reading it to its end",
    async () => {
      const flood: Answer = { kind: "flood", status: 200, bytes: floodBytes };
      for (const key of ["token", "instance-id", "local-ipv4s"]) {
        const script: Script = Object.fromEntries(
          Object.entries(real).map(([k, v]) => [k, [k === key ? flood : { kind: "reply", status: 200, body: v }]]),
        );
        // A generous timeout: the client must stop because of the size, not because time ran out.
        const { outcome, server } = await identityFrom(script, { timeoutMs: 5_000, boundMs: 20_000 });
        await server.stop();
        expect("error" in outcome, `${key}: a 16 MiB answer was taken`).toBe(true);
        expectTypedError((outcome as { error: unknown }).error);
        expect(server.floods.length).toBeGreaterThan(0);
        for (const f of server.floods) expect(f.completed, `${key}: the 16 MiB answer was read to its end`).toBe(false);
      }
    },
    shrinkingTimeoutMs,
  );
});

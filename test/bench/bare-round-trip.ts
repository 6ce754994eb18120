import type { BenchCloud } from "./bench-cloud";
import { nodeA } from "./bench-cluster";
import { cleanEnv, expectSuccess, timedRun } from "./timed-process";

// What one EC2 call to the stand-in costs a client that does nothing but the call: its own
// process, node:http with a kept-alive connection, no SDK, no signing, the body read and dropped.
// The stand-in waits the injected latency, yet a round trip across two processes takes longer:
// the stand-in's own work, and both processes waking after sleeping through the wait. No client
// can take less, so the chain this costs is the floor the figures are also held to, beside the
// nominal one (the injected latency alone).

export interface BareRoundTrip {
  /** Round trips, ms, after one unmeasured call that opened the connection. */
  samples: number[];
}

// Plain CommonJS for `node -e`: the bench's own bundle is not loaded into the measured process.
const client = `
const { Agent, request } = require("node:http");
const [url, body, count] = [new URL(process.argv[1]), process.argv[2], Number(process.argv[3])];
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const headers = {
  "content-type": "application/x-www-form-urlencoded; charset=utf-8",
  "content-length": Buffer.byteLength(body),
  authorization: "AWS4-HMAC-SHA256 Credential=AKIABAREBAREBAREBARE/20260101/eu-west-1/ec2/aws4_request, SignedHeaders=host, Signature=0",
};
function call() {
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: "/", method: "POST", agent, headers }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        if (res.statusCode !== 200 || !text.includes("<DescribeNetworkInterfacesResponse"))
          reject(new Error("the stand-in answered " + res.statusCode + ": " + text.slice(0, 300)));
        else resolve();
      });
      res.on("error", reject);
    });
    req.setTimeout(10000, () => req.destroy(new Error("no answer in 10 s")));
    req.on("error", reject);
    req.end(body);
  });
}
(async () => {
  const samples = [];
  for (let i = 0; i <= count; i++) {
    const started = performance.now();
    await call();
    if (i > 0) samples.push(performance.now() - started);
  }
  agent.destroy();
  process.stdout.write(JSON.stringify(samples));
})().catch((e) => {
  process.stderr.write(String(e && e.stack || e) + "\\n");
  process.exitCode = 1;
});
`;

/** `count` DescribeNetworkInterfaces calls of node A's interfaces, one after another, from a bare client. */
export async function benchBareRoundTrip(cloud: BenchCloud, count: number): Promise<BareRoundTrip> {
  const body = new URLSearchParams({
    Action: "DescribeNetworkInterfaces",
    Version: "2016-11-15",
    "Filter.1.Name": "attachment.instance-id",
    "Filter.1.Value.1": nodeA.instanceId,
  }).toString();
  const run = expectSuccess(
    await timedRun([process.execPath, "-e", client, cloud.server.url, body, String(count)], { env: cleanEnv(), timeoutMs: 60_000 }),
    "the bare EC2 client",
  );
  return { samples: JSON.parse(run.stdout) as number[] };
}

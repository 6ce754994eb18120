import { createServer, type Server } from "node:http";
import type { Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createEc2Client } from "../../src/cloud/ec2-client";
import { SdkEc2 } from "../../src/cloud/ec2-sdk";

// The resident FIFO reader keeps its connection to EC2 between events. A connection the server
// closes while idle must cost the next call a new connection, never an error, even for the client
// that makes one attempt only; and when the server announces its idle timeout, the client lets go
// first, so no call is ever written into a connection the server is closing.

const timeouts = { transition: 120, request: 2, connect: 1, metadata: 1, volume: 60 };
const credentials = { accessKeyId: "AKIDTESTTESTTESTTEST", secretAccessKey: "test-secret" };
const answer =
  `<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-ok</requestId><reservationSet>` +
  `<item><reservationId>r-1</reservationId><instancesSet><item><instanceId>i-0123456789abcdef0</instanceId>` +
  `<instanceState><code>16</code><name>running</name></instanceState>` +
  `<placement><availabilityZone>eu-west-1a</availabilityZone></placement></item></instancesSet></item>` +
  `</reservationSet></DescribeInstancesResponse>`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Stand {
  url: string;
  connections: number;
  /** Sockets whose other end (the client) closed them first. */
  closedByClient: number;
  server: Server;
}

let stand: Stand | undefined;
const savedEndpoint = process.env.AWS_ENDPOINT_URL_EC2;
afterEach(async () => {
  if (stand) {
    stand.server.closeAllConnections();
    await new Promise((r) => stand!.server.close(r));
  }
  stand = undefined;
  if (savedEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL_EC2;
  else process.env.AWS_ENDPOINT_URL_EC2 = savedEndpoint;
});

/** EC2 on loopback. `dropIdleAfterMs`: it closes an idle connection silently; else Node's own keep-alive, announced in Keep-Alive: timeout=N. */
async function startEc2(options: { dropIdleAfterMs?: number; announcedTimeoutMs?: number }): Promise<Stand> {
  const timers = new WeakMap<Socket, NodeJS.Timeout>();
  const server = createServer((req, res) => {
    clearTimeout(timers.get(req.socket));
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "text/xml" }).end(answer);
      if (options.dropIdleAfterMs !== undefined)
        res.once("finish", () =>
          timers.set(
            req.socket,
            setTimeout(() => req.socket.destroy(), options.dropIdleAfterMs),
          ),
        );
    });
  });
  // 0: Node's server neither times idle connections out nor announces a timeout.
  server.keepAliveTimeout = options.announcedTimeoutMs ?? 0;
  const s: Stand = { url: "", connections: 0, closedByClient: 0, server };
  server.on("connection", (socket: Socket) => {
    s.connections += 1;
    socket.on("end", () => (s.closedByClient += 1));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("no port");
  s.url = `http://127.0.0.1:${address.port}`;
  process.env.AWS_ENDPOINT_URL_EC2 = s.url;
  return s;
}

function singleAttemptPort(): SdkEc2 {
  const client = createEc2Client({ region: "eu-west-1", timeouts, credentials, maxAttempts: 1 });
  return new SdkEc2(client, () => AbortSignal.timeout(10_000));
}

describe("the EC2 client's connection between events", () => {
  it("reuses one connection for calls in a row, and after the server dropped it idle opens a new one without an error", async () => {
    stand = await startEc2({ dropIdleAfterMs: 100 });
    const ec2 = singleAttemptPort();

    await ec2.describeInstance("i-0123456789abcdef0");
    await ec2.describeInstance("i-0123456789abcdef0");
    expect(stand.connections).toBe(1);

    await sleep(300);
    await expect(ec2.describeInstance("i-0123456789abcdef0")).resolves.toMatchObject({ state: "running" });
    expect(stand.connections).toBe(2);
  });

  it("lets go of an idle connection a second before the timeout the server announced", async () => {
    stand = await startEc2({ announcedTimeoutMs: 3_000 });
    const ec2 = singleAttemptPort();

    await ec2.describeInstance("i-0123456789abcdef0");
    // The server would close it at 3 s; the client closes it at 2 s.
    await sleep(2_500);
    expect(stand.closedByClient).toBe(1);
    await expect(ec2.describeInstance("i-0123456789abcdef0")).resolves.toMatchObject({ state: "running" });
    expect(stand.connections).toBe(2);
  });
});

import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { handOver, trustedSocket } from "../../src/cli/notify/hand-over-client";
import {
  encodeMessage,
  environmentDigest,
  handOverLimits,
  mayHandOver,
  mayHandOverUpdateEip,
  MessageLines,
  parseAnswer,
  parseRequest,
  requestEnvironment,
  requestOf,
  type HandOverRequest,
} from "../../src/cli/notify/hand-over";

// The words between a one-shot aws-ha-notify and the resident helper: which calls are offered at
// all, what a request and an answer may hold, and how the client's side ends on every kind of
// helper (a real socket here, with a scripted helper on its other end).

describe("which calls are offered to the helper", () => {
  it.each([
    [["master"], true],
    [["MASTER", "--cluster", "/etc/aws-ha/c.yaml"], true],
    [["--cluster=/etc/aws-ha/c.yaml", "backup"], true],
    [["--only", "vip", "fault"], true],
    [["stop"], true],
    [["INSTANCE", "VI_1", "MASTER", "150"], true],
    [["--cluster", "/x", "GROUP", "--weird name", "BACKUP", "100"], true],
    [["start"], true],
    [["status"], true],
    [["master", "--dry-run"], false],
    [["--help"], false],
    [["--version"], false],
    [["show"], false],
    [["check"], false],
    [["history", "-n", "5"], false],
    [["fifo", "/run/keepalived.fifo"], false],
    [["serve"], false],
    [["restart"], false],
    [["--cluster", "master"], false],
    [[], false],
  ])("%j → %s", (argv, offered) => {
    expect(mayHandOver(argv, {})).toBe(offered);
  });

  it("Pacemaker's start, stop and monitor, never meta-data; a detached worker never", () => {
    const ocf = { OCF_RESOURCE_INSTANCE: "web" };
    expect(["start", "stop", "monitor", "status"].map((a) => mayHandOver([a], ocf))).toEqual([true, true, true, true]);
    expect(mayHandOver(["meta-data"], ocf)).toBe(false);
    expect(mayHandOver(["validate-all"], ocf)).toBe(false);
    expect(mayHandOver(["stop"], { AWS_HA_DETACHED_WORKER: "1" })).toBe(false);
    expect(mayHandOver(["stop"], { AWS_HA_EVENT_ARRIVAL: "1.2.0" })).toBe(false);
  });

  it.each([
    [["eipalloc-0abc", "start"], true],
    [["--release", "eipalloc-0abc", "10.0.1.100", "stop"], true],
    [["198.51.100.10", "status"], true],
    [["start"], true],
    [["eipalloc-0abc", "restart"], false],
    [["eipalloc-0abc", "reload"], false],
    [["eipalloc-0abc", "start", "--help"], false],
    [["--version"], false],
    [[], false],
  ])("aws-ha-updateeip %j → %s", (argv, offered) => {
    expect(mayHandOverUpdateEip(argv, {})).toBe(offered);
    expect(mayHandOverUpdateEip(argv, { AWS_HA_DETACHED_WORKER: "1" })).toBe(false);
  });
});

describe("the environment a request carries", () => {
  it("names the description and the OCF parameters, and only a digest of how AWS is reached", () => {
    const env = {
      AWS_HA_CLUSTER: "/etc/aws-ha/c.yaml",
      OCF_RESKEY_resource: "vip",
      AWS_SECRET_ACCESS_KEY: "s3cret",
      PATH: "/usr/bin",
    };
    expect(requestEnvironment(env)).toEqual({ AWS_HA_CLUSTER: "/etc/aws-ha/c.yaml", OCF_RESKEY_resource: "vip" });
    expect(environmentDigest(env)).not.toContain("s3cret");
  });

  it("differs when an endpoint, a credential, the region or a proxy differs, not for the debug and cache switches", () => {
    const base = { AWS_REGION: "eu-central-1", PATH: "/usr/bin" };
    const digest = environmentDigest(base);
    for (const changed of [
      { AWS_REGION: "eu-west-1" },
      { AWS_ENDPOINT_URL_EC2: "http://127.0.0.1:1" },
      { AWS_ACCESS_KEY_ID: "AKIA" },
      { HTTPS_PROXY: "http://proxy:3128" },
      { no_proxy: "169.254.169.254" },
      { all_proxy: "http://proxy:3128" },
      { ALL_PROXY: "http://proxy:3128" },
    ])
      expect(environmentDigest({ ...base, ...changed }), JSON.stringify(changed)).not.toBe(digest);
    for (const same of [
      { AWS_HA_CODE_CACHE_DEBUG: "1" },
      { AWS_HA_HELPER_SOCKET: "/run/x.sock" },
      { AWS_HA_CLUSTER: "/etc/other.yaml" },
      { PATH: "/bin", TERM: "dumb" },
    ])
      expect(environmentDigest({ ...base, ...same }), JSON.stringify(same)).toBe(digest);
  });
});

const fields = { argv: ["master"], pid: 42, start: 1000, env: {}, envDigest: "d" };
const request: HandOverRequest = requestOf("aws-ha-notify", fields);

describe("messages", () => {
  it("a request reads back with its program; anything else of another shape is no request", () => {
    // aws-ha-notify's as the first helpers read them; another program's as version 2, which they refuse.
    expect(JSON.parse(encodeMessage(request))).toEqual({ v: 1, ...fields });
    expect(parseRequest(encodeMessage(request).trim())).toEqual({ ...fields, program: "aws-ha-notify" });
    const eip = requestOf("aws-ha-updateeip", { ...fields, argv: ["eipalloc-0abc", "start"] });
    expect(JSON.parse(encodeMessage(eip))).toMatchObject({ v: 2, program: "aws-ha-updateeip" });
    expect(parseRequest(encodeMessage(eip).trim())).toEqual({ ...fields, argv: ["eipalloc-0abc", "start"], program: "aws-ha-updateeip" });
    for (const bad of [
      "not json",
      "null",
      JSON.stringify({ ...request, v: 3 }),
      JSON.stringify({ ...fields, v: 2 }),
      JSON.stringify({ ...fields, v: 2, program: "aws-ha-gen" }),
      JSON.stringify({ ...request, start: -1 }),
      JSON.stringify({ ...request, pid: 0 }),
      JSON.stringify({ ...request, argv: [1] }),
      JSON.stringify({ ...request, argv: new Array(65).fill("x") }),
      JSON.stringify({ ...request, env: { A: 1 } }),
    ])
      expect(parseRequest(bad), bad).toBeUndefined();
  });

  it("answers: accepted with a bound, declined with a reason, an exit code within 0–255", () => {
    expect(parseAnswer('{"accepted":true,"withinMs":32000}')).toEqual({ accepted: true, withinMs: 32000 });
    expect(parseAnswer(`{"accepted":true,"withinMs":${handOverLimits.longestEventMs + 1}}`)).toBeUndefined();
    expect(parseAnswer('{"declined":"busy"}')).toEqual({ declined: "busy" });
    expect(parseAnswer('{"exit":3,"stdout":"aws-ha web is stopped\\n","stderr":""}')).toEqual({
      exit: 3,
      stdout: "aws-ha web is stopped\n",
      stderr: "",
    });
    expect(parseAnswer('{"exit":256,"stdout":"","stderr":""}')).toBeUndefined();
    expect(parseAnswer('{"exit":0}')).toBeUndefined();
  });

  it("splits lines across chunks and refuses a line longer than its bound", () => {
    const lines = new MessageLines(10);
    expect(lines.take("abc")).toEqual([]);
    expect(lines.take("def\nxy")).toEqual(["abcdef"]);
    expect(() => lines.take("z".repeat(20))).toThrow(/longer than 10 bytes/);
  });
});

let dir: string | undefined;
let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** A helper played by the test: `answer` gets each request and the socket. */
async function scriptedHelper(answer: (line: string, reply: (text: string) => void, hangUp: () => void) => void): Promise<string> {
  dir = mkdtempSync(join(tmpdir(), "aws-ha-hand-over-"));
  chmodSync(dir, 0o700);
  const path = join(dir, "notify.sock");
  server = createServer((socket) => {
    socket.setEncoding("utf8");
    socket.once("data", (line: string) =>
      answer(
        line,
        (text) => socket.write(text),
        () => socket.destroy(),
      ),
    );
  });
  await new Promise<void>((resolve) => server!.listen(path, resolve));
  chmodSync(path, 0o600);
  return path;
}

const said: string[] = [];
const say = (line: string) => void said.push(line);

describe("the client's side", () => {
  it("returns the helper's exit code and output after it accepted", async () => {
    const path = await scriptedHelper((line, reply) => {
      const got = parseRequest(line.trim());
      reply(encodeMessage({ accepted: true, withinMs: 1_000 }));
      reply(encodeMessage({ exit: 0, stdout: "", stderr: `acquire done for ${got?.argv.join(" ")}\n` }));
    });
    const result = await handOver("aws-ha-notify", ["master"], { AWS_HA_HELPER_SOCKET: path }, say);
    expect(result).toEqual({ exit: 0, stdout: "", stderr: "acquire done for master\n" });
  });

  it("does it itself when the helper declines, hangs up after accepting, or never accepts", async () => {
    const declining = await scriptedHelper((_, reply) => reply(encodeMessage({ declined: "busy with 4 events" })));
    expect(await handOver("aws-ha-notify", ["master"], { AWS_HA_HELPER_SOCKET: declining }, say)).toBeUndefined();
    expect(said.at(-1)).toBe("the helper declined: busy with 4 events");
    await new Promise<void>((resolve) => server!.close(() => resolve()));

    const dying = await scriptedHelper((_, reply, hangUp) => {
      reply(encodeMessage({ accepted: true, withinMs: 1_000 }));
      setTimeout(hangUp, 20);
    });
    expect(await handOver("aws-ha-notify", ["master"], { AWS_HA_HELPER_SOCKET: dying }, say)).toBeUndefined();
    expect(said.at(-1)).toBe("the helper hung up before its last answer");
    await new Promise<void>((resolve) => server!.close(() => resolve()));

    const silent = await scriptedHelper(() => undefined);
    const started = performance.now();
    expect(await handOver("aws-ha-notify", ["master"], { AWS_HA_HELPER_SOCKET: silent }, say)).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(said.at(-1)).toBe(`the helper did not accept within ${handOverLimits.acceptMs} ms`);
  });

  it("does it itself when an answer is out of order or unreadable", async () => {
    const early = await scriptedHelper((_, reply) => reply(encodeMessage({ exit: 0, stdout: "", stderr: "" })));
    expect(await handOver("aws-ha-notify", ["master"], { AWS_HA_HELPER_SOCKET: early }, say)).toBeUndefined();
    expect(said.at(-1)).toBe("the helper's answers came out of order");
    await new Promise<void>((resolve) => server!.close(() => resolve()));

    const garbled = await scriptedHelper((_, reply) => reply("{nonsense\n"));
    expect(await handOver("aws-ha-notify", ["master"], { AWS_HA_HELPER_SOCKET: garbled }, say)).toBeUndefined();
    expect(said.at(-1)).toBe("the helper's answer is unreadable");
  });

  it("trusts only a socket of its own user, 0600, in a directory nobody else can write", async () => {
    const path = await scriptedHelper(() => undefined);
    expect(trustedSocket(path, say)).toBe(true);
    chmodSync(path, 0o666);
    expect(trustedSocket(path, say)).toBe(false);
    chmodSync(path, 0o600);
    chmodSync(dir!, 0o777);
    expect(trustedSocket(path, say)).toBe(false);
    chmodSync(dir!, 0o700);
    const file = join(dir!, "plain");
    writeFileSync(file, "");
    expect(trustedSocket(file, say)).toBe(false);
    expect(trustedSocket("relative.sock", say)).toBe(false);
  });
});

import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Identity, Imds } from "../../src/cloud/identity";
import { IdentityOfThisBoot } from "../../src/session/identity-of-this-boot";

// A cold transition starts from this boot's identity when an earlier process of the boot read it,
// instead of waiting for IMDS. Safe only when another boot, another metadata service, a file
// someone else could have written and a file that does not hold an identity each lead back to IMDS.

const identityOfA: Identity = {
  instanceId: "i-0a00000000000000a",
  region: "eu-west-1",
  availabilityZone: "eu-west-1a",
  mac: "0e:01:5a:00:00:01",
  networkInterfaceId: "eni-0a00000000000000a",
  localIpv4s: ["10.0.1.10", "10.0.1.100"],
};

/** IMDS that counts its identity reads, or fails them. */
class CountingImds implements Imds {
  reads = 0;
  constructor(private readonly answer: Identity | Error = identityOfA) {}
  identity(): Promise<Identity> {
    this.reads += 1;
    return this.answer instanceof Error ? Promise.reject(this.answer) : Promise.resolve(this.answer);
  }
  interfaceIdOf(): Promise<string> {
    return Promise.resolve("eni-0b00000000000000b");
  }
}

let runDir: string;
let file: string;
beforeEach(() => {
  const base = realpathSync(mkdtempSync(join(tmpdir(), "aws-ha-identity-")));
  runDir = join(base, "run");
  mkdirSync(runDir, { mode: 0o700 });
  file = join(runDir, "identity.json");
});
afterEach(() => rmSync(join(runDir, ".."), { recursive: true, force: true }));

const boot = { current: "boot-one" };
const endpoint = "http://169.254.169.254";
const kept = (imds: Imds, where: { boot?: string; endpoint?: string } = {}) =>
  new IdentityOfThisBoot(imds, { file, boot: () => where.boot ?? boot.current, endpoint: where.endpoint ?? endpoint });

/** The first process of the boot: it asks IMDS and keeps the answer. */
async function firstProcess(): Promise<void> {
  const imds = new CountingImds();
  await kept(imds).identity();
  await new Promise((resolve) => setImmediate(resolve));
  expect(imds.reads).toBe(1);
  expect(existsSync(file), "the identity is kept").toBe(true);
}

describe("given an earlier process of this boot read the identity from IMDS", () => {
  beforeEach(firstProcess);

  it("a later process starts from it and does not ask IMDS", async () => {
    const imds = new CountingImds();
    const later = kept(imds);

    expect(await later.identity()).toEqual(identityOfA);
    expect(later.known()).toEqual(identityOfA);
    expect(imds.reads).toBe(0);
  });

  it("a process of another boot asks IMDS again", async () => {
    const imds = new CountingImds();

    await kept(imds, { boot: "boot-two" }).identity();

    expect(imds.reads).toBe(1);
  });

  it("a process that asks another metadata service asks it", async () => {
    const imds = new CountingImds();

    await kept(imds, { endpoint: "http://127.0.0.1:8111" }).identity();

    expect(imds.reads).toBe(1);
  });

  it("a file that another user may write is not believed", async () => {
    chmodSync(file, 0o666);
    const imds = new CountingImds();

    await kept(imds).identity();

    expect(imds.reads).toBe(1);
  });

  it("a link in its place is not followed", async () => {
    const elsewhere = join(runDir, "..", "elsewhere.json");
    writeFileSync(elsewhere, readFileSync(file), { mode: 0o600 });
    rmSync(file);
    symlinkSync(elsewhere, file);
    const imds = new CountingImds();

    await kept(imds).identity();

    expect(imds.reads).toBe(1);
  });

  it.each([
    ["an instance id that is none", { instanceId: "i-0a; reboot" }],
    ["a zone of another region", { availabilityZone: "us-east-1a" }],
    ["a MAC address that is none", { mac: "../../etc" }],
    ["no addresses", { localIpv4s: [] }],
    ["an address that is none", { localIpv4s: ["10.0.1.300"] }],
    ["a missing interface", { networkInterfaceId: undefined }],
  ])("a file that holds %s is ignored and IMDS is asked", async (_what, change) => {
    const record = JSON.parse(readFileSync(file, "utf8")) as { identity: Record<string, unknown> };
    writeFileSync(file, JSON.stringify({ ...record, identity: { ...record.identity, ...change } }));
    const imds = new CountingImds();

    expect(await kept(imds).identity()).toEqual(identityOfA);
    expect(imds.reads).toBe(1);
  });

  it("a kept identity in a run directory that another user may write is not believed", async () => {
    chmodSync(runDir, 0o777);
    const imds = new CountingImds();

    await kept(imds).identity();

    expect(imds.reads).toBe(1);
  });

  it("a file that is not JSON is ignored and IMDS is asked", async () => {
    writeFileSync(file, "{ not json");
    const imds = new CountingImds();

    await kept(imds).identity();

    expect(imds.reads).toBe(1);
  });
});

describe("given no process of this boot read the identity yet", () => {
  it("a run directory that another user may write gets no identity file", async () => {
    chmodSync(runDir, 0o777);
    await kept(new CountingImds()).identity();
    await new Promise((resolve) => setImmediate(resolve));

    expect(existsSync(file)).toBe(false);
  });

  it("a failed IMDS read is not kept, and the next process asks again", async () => {
    const failing = kept(new CountingImds(new Error("IMDS unreachable")));
    await expect(failing.identity()).rejects.toThrow("IMDS unreachable");
    await new Promise((resolve) => setImmediate(resolve));
    expect(existsSync(file)).toBe(false);

    const imds = new CountingImds();
    expect(await kept(imds).identity()).toEqual(identityOfA);
    expect(imds.reads).toBe(1);
  });

  it("a process looks at the file once: once IMDS answered, it keeps that answer whatever the file says later", async () => {
    const imds = new CountingImds();
    const process = kept(imds);
    await process.identity();
    await new Promise((resolve) => setImmediate(resolve));
    const record = JSON.parse(readFileSync(file, "utf8")) as { identity: Identity };
    writeFileSync(file, JSON.stringify({ ...record, identity: { ...record.identity, instanceId: "i-0b00000000000000b" } }));

    expect((await process.identity()).instanceId).toBe(identityOfA.instanceId);
    expect(process.known()).toEqual(identityOfA);
  });

  it("a missing run directory is not created: the identity is kept once a transition has made it", async () => {
    rmSync(runDir, { recursive: true });
    await kept(new CountingImds()).identity();
    await new Promise((resolve) => setImmediate(resolve));

    expect(existsSync(runDir)).toBe(false);
  });
});

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll } from "vitest";
import type { VolumeSpec } from "../../../src/cluster/schema";
import { waitForSoleHolder } from "./holdings";
import { Lab } from "./lab";
import type { LabNode } from "./lab-node";
import { writeProof } from "./volume-data";

// Small pieces every scenario file shares: where the fixtures are, one lab per describe block, what
// to show when a scenario fails (the logs live in the lab directory, which teardown removes), and
// the usual first step of a keepalived pair.

export const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}.yaml`, import.meta.url));

/** keepalived repeats these for every gratuitous ARP; they would push everything else out of a tail. */
const noise = /gratuitous ARP/;

/** Prints the tail of every node's syslog and daemon log and the EC2 calls, for a failed scenario. */
export async function dumpLogs(lab: Lab | undefined, lines = 60): Promise<void> {
  if (!lab) return;
  for (const node of lab.nodes) {
    for (const file of ["syslog.log", "logs/keepalived.log", "logs/heartbeat.log", "logs/imds.log"]) {
      let text = "";
      try {
        text = readFileSync(join(node.machine.spec.dir, file), "utf8");
      } catch {
        continue;
      }
      const tail = text
        .split("\n")
        .filter((l) => l.trim() && !noise.test(l))
        .slice(-lines)
        .join("\n    ");
      if (tail) console.log(`[lab] ---- ${node.name} ${file} (last ${lines} lines)\n    ${tail}`);
    }
  }
  try {
    const calls = (await lab.ec2.control.calls()).slice(-lines);
    const text = calls.map((c) => `${new Date(c.at).toISOString()} ${c.action}${c.error ? ` !${c.error}` : ""} ${c.instanceIds.join(",")}`);
    console.log(`[lab] ---- EC2 calls (last ${lines})\n    ${text.join("\n    ")}`);
  } catch (e) {
    console.log(`[lab] EC2 calls unavailable: ${(e as Error).message}`);
  }
  if (lab.problems.length > 0) console.log(`[lab] lab problems: ${lab.problems.join(" | ")}`);
}

/**
 * Builds the fixture's lab before the first scenario of the surrounding describe block (`ready`
 * receives it), prints the logs after each failed scenario, and destroys the lab after the last.
 */
export function labForScenarios(fixtureName: string, daemon: "keepalived" | "heartbeat", ready: (lab: Lab) => void): void {
  let lab: Lab | undefined;
  beforeAll(async () => {
    lab = await Lab.create(fixture(fixtureName), daemon);
    ready(lab);
  });
  afterEach(async (context) => {
    if (context.task.result?.state === "fail") await dumpLogs(lab);
  });
  afterAll(() => lab?.destroy());
}

export interface PairHoldingData {
  volume: VolumeSpec;
  /** The node that took every resource at the start. */
  holder: LabNode;
  other: LabNode;
  /** What `holder` wrote on the volume (see volume-data.ts). */
  proof: string;
}

/** Starts keepalived on a pair, waits for one node to hold everything, and writes a proof on its volume. */
export async function startPairHoldingData(lab: Lab): Promise<PairHoldingData> {
  const volume = lab.volumeSpecs[0]!;
  await lab.startKeepalived();
  const { holder } = await waitForSoleHolder(lab, undefined, 60_000);
  const first = lab.node(holder);
  const other = lab.nodes.find((n) => n !== first)!;
  const proof = await writeProof(first, volume.mountPoint);
  return { volume, holder: first, other, proof };
}

export function announceSkip(what: string, reason: string | undefined): void {
  if (reason) console.warn(`[lab] ${what} skipped: ${reason}`);
}

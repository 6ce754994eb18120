import { randomBytes } from "node:crypto";
import type { LabNode } from "./lab-node";

// Proof that a failover kept the data: a file written through the node that has the volume mounted,
// flushed to the block device, and read back later through whichever node mounts it then.

export const proofFile = "lab-proof.txt";

export async function writeProof(node: LabNode, mountPoint: string): Promise<string> {
  const content = `written on ${node.name} at ${new Date().toISOString()} ${randomBytes(8).toString("hex")}`;
  await node.machine.execOk([
    "sh",
    "-c",
    `printf '%s' "$1" > "$2/${proofFile}" && sync -f "$2/${proofFile}"`,
    "proof",
    content,
    mountPoint,
  ]);
  return content;
}

export async function readProof(node: LabNode, mountPoint: string): Promise<string> {
  return node.machine.execOk(["cat", `${mountPoint}/${proofFile}`]);
}

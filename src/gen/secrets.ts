import { randomBytes } from "node:crypto";
import { authPassProblem, heartbeatKeyProblem } from "../cluster/daemon-secrets";
import type { ClusterDescription } from "../cluster/schema";
import { AwsHaError } from "../errors";
import { wantsHeartbeat, wantsKeepalived } from "./node-roles";

// The shared secrets of a cluster: the VRRPv2 password and the Heartbeat key. When the description
// does not give them they are generated once and kept (DIR/.secrets.json, mode 0600), because every
// node must hold the same value and re-running gen must not change the secret of a running cluster.

export interface ClusterSecrets {
  /** keepalived's auth_pass (VRRPv2 only; keepalived uses 8 characters). */
  vrrpAuthPass?: string;
  /** Heartbeat's sha1 key in authkeys. */
  heartbeatAuthKey?: string;
}

export interface ResolvedSecrets {
  secrets: ClusterSecrets;
  /** The generated secrets to keep for the next run; undefined when nothing new was generated. */
  toSave: ClusterSecrets | undefined;
}

export type RandomSource = (size: number) => Buffer;

function needsVrrpAuthPass(d: ClusterDescription): boolean {
  return wantsKeepalived(d) && (d.keepalived?.vrrpVersion ?? 2) === 2;
}

/** The description's own values win; then the saved ones; what is still missing is generated. */
export function resolveSecrets(
  d: ClusterDescription,
  saved: ClusterSecrets | undefined,
  random: RandomSource = randomBytes,
): ResolvedSecrets {
  const kept: ClusterSecrets = { ...saved };
  let generated = false;
  const secrets: ClusterSecrets = {};
  if (needsVrrpAuthPass(d)) {
    secrets.vrrpAuthPass = d.keepalived?.authPass ?? kept.vrrpAuthPass;
    if (secrets.vrrpAuthPass === undefined) {
      // 6 random bytes are exactly 8 base64url characters: all of them count in VRRPv2.
      secrets.vrrpAuthPass = kept.vrrpAuthPass = random(6).toString("base64url");
      generated = true;
    }
  }
  if (wantsHeartbeat(d)) {
    secrets.heartbeatAuthKey = d.heartbeat?.authKey ?? kept.heartbeatAuthKey;
    if (secrets.heartbeatAuthKey === undefined) {
      secrets.heartbeatAuthKey = kept.heartbeatAuthKey = random(24).toString("hex");
      generated = true;
    }
  }
  return { secrets, toSave: generated ? kept : undefined };
}

/** Reads what an earlier run saved; a damaged file is an error, not a reason to rotate the secrets. */
export function parseSavedSecrets(text: string, source: string): ClusterSecrets {
  const broken = (why: string) =>
    new AwsHaError("config", `${source}: ${why}`, {
      fix: "repair it, or delete it to generate new secrets (then install the new files on every node at once)",
    });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw broken("not valid JSON");
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw broken("must be a JSON object");
  const saved: ClusterSecrets = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key !== "vrrpAuthPass" && key !== "heartbeatAuthKey") throw broken(`unknown key ${JSON.stringify(key)}`);
    if (typeof value !== "string" || !/^[!-~]+$/.test(value)) throw broken(`${key} must be printable characters without spaces`);
    // A hand-edited value is held to what the daemons read as written, as the description's are.
    const problem = key === "vrrpAuthPass" ? authPassProblem(value) : heartbeatKeyProblem(value);
    if (problem) throw broken(`${key} ${problem}`);
    saved[key] = value;
  }
  return saved;
}

export function formatSavedSecrets(secrets: ClusterSecrets): string {
  return `${JSON.stringify(secrets, null, 2)}\n`;
}

// The temporary keys the STS stand-in has handed out, for every stand-in of the process to read: the
// EC2 and Route53 stand-ins name the assumed role a request was signed as (what scenarios assert
// on: the right role acted) and refuse keys past their expiry, as AWS does.

export interface IssuedKey {
  accessKeyId: string;
  /** The role assumed. */
  roleArn: string;
  sessionName: string;
  /** arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION, as AWS names the caller in errors and CloudTrail. */
  principal: string;
  /** Epoch ms past which the key is refused. */
  expiresAt: number;
}

// Keys are random, so the stand-ins of concurrent scenarios in one process never share one.
const issued = new Map<string, IssuedKey>();

export function recordIssuedKey(key: IssuedKey): void {
  issued.set(key.accessKeyId, key);
}

/** The access key id a SigV4 Authorization header names. */
export function accessKeyOf(authorization: string): string | undefined {
  return /Credential=([^/,\s]+)/.exec(authorization)?.[1];
}

/** The issued key a request was signed with, or undefined for a key STS did not issue (a node's own). */
export function issuedKeyOf(authorization: string | undefined): IssuedKey | undefined {
  const key = authorization === undefined ? undefined : accessKeyOf(authorization);
  return key === undefined ? undefined : issued.get(key);
}

/** True when the request is signed with an issued key that has expired. */
export function signedWithExpiredKey(authorization: string | undefined, now = Date.now()): boolean {
  const key = issuedKeyOf(authorization);
  return key !== undefined && key.expiresAt <= now;
}

/** Every key issued so far expires now, as if its lifetime had passed: a client that kept one is refused. */
export function expireIssuedKeys(now = Date.now()): void {
  for (const key of issued.values()) key.expiresAt = Math.min(key.expiresAt, now);
}

import { isIPv4 } from "node:net";
import { lstatSync } from "node:fs";
import { dirname } from "node:path";
import { ownedAlone, readOwnedFile, writeOwnedFile } from "../host/owner-only-files";
import { identityRules, zoneRule, type Identity, type Imds } from "../cloud/identity";

// An instance's id, region, zone and primary interface (its MAC, its ENI, its primary address) stay
// what they are for as long as it runs: reading them from IMDS again on every cold transition is
// three round trips, and the first EC2 call of a failover waits for them. So the first read of a
// boot is kept in the run directory (a tmpfs on /run, emptied by every boot, and the boot's id is
// kept with it for a run directory that is not), and later processes of the same boot start from
// it. `check`, which proves that IMDS answers, always asks IMDS.
//
// The file is read only when this user owns it and nobody else may write it, and every field is
// held to the same rules as IMDS's own answers: a file that fails any of that is ignored and IMDS is
// asked. The list of local addresses is kept as read: its first, the primary address, is fixed for
// the interface's life; the others are the secondary addresses it held then, which matter only to a
// node that the description does not list by this instance's id (found by an address instead).

/** What the file holds: whose boot and which metadata service the identity came from. */
interface KeptIdentity {
  boot: string;
  endpoint: string;
  identity: Identity;
}

export class IdentityOfThisBoot implements Imds {
  /** The file is looked at once per process: after that, what it held or what IMDS answered. */
  private kept: Identity | undefined;
  private looked = false;

  constructor(
    private readonly imds: Imds,
    private readonly where: { file: string; boot: () => string; endpoint: string },
  ) {}

  identity(): Promise<Identity> {
    if (!this.looked) {
      this.looked = true;
      this.kept = this.readKept();
    }
    if (this.kept) return Promise.resolve(this.kept);
    const reading = this.imds.identity();
    reading.then((identity) => this.keep(identity)).catch(() => undefined);
    return reading;
  }

  known(): Identity | undefined {
    return this.kept ?? this.imds.known?.();
  }

  interfaceIdOf(mac: string): Promise<string> {
    return this.imds.interfaceIdOf(mac);
  }

  /** Read only from a directory of this user's that nobody else may write, as it is written only there. */
  private readKept(): Identity | undefined {
    try {
      if (!this.trustedDirectory()) return undefined;
      const text = readOwnedFile(this.where.file, 0o022);
      if (text === undefined) return undefined;
      const record = JSON.parse(text.toString("utf8")) as Partial<KeptIdentity>;
      if (record.boot !== this.where.boot() || record.endpoint !== this.where.endpoint) return undefined;
      return validIdentity(record.identity);
    } catch {
      return undefined;
    }
  }

  /** Written once IMDS answered, into the run directory once a transition opened it; never a reason to fail. */
  private keep(identity: Identity): void {
    this.kept = identity;
    try {
      if (!this.trustedDirectory()) return;
      const record: KeptIdentity = { boot: this.where.boot(), endpoint: this.where.endpoint, identity };
      writeOwnedFile(this.where.file, JSON.stringify(record));
    } catch {
      // the next process asks IMDS again
    }
  }

  private trustedDirectory(): boolean {
    const dir = lstatSync(dirname(this.where.file), { throwIfNoEntry: false });
    return dir !== undefined && dir.isDirectory() && ownedAlone(dir, 0o022);
  }
}

/** The identity when every field holds to the rules IMDS's answers are held to; else undefined. */
function validIdentity(value: unknown): Identity | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as Record<keyof Identity, unknown>;
  const text = (field: unknown): field is string => typeof field === "string";
  if (!text(v.instanceId) || !identityRules.instanceId.holds(v.instanceId)) return undefined;
  if (!text(v.region) || !identityRules.region.holds(v.region)) return undefined;
  if (!text(v.availabilityZone) || !zoneRule(v.region).holds(v.availabilityZone)) return undefined;
  if (!text(v.mac) || !identityRules.mac.holds(v.mac)) return undefined;
  if (!text(v.networkInterfaceId) || !identityRules.networkInterfaceId.holds(v.networkInterfaceId)) return undefined;
  const addresses = v.localIpv4s;
  if (!Array.isArray(addresses) || addresses.length === 0 || addresses.length > 256) return undefined;
  if (!addresses.every((a): a is string => text(a) && isIPv4(a))) return undefined;
  return {
    instanceId: v.instanceId,
    region: v.region,
    availabilityZone: v.availabilityZone,
    mac: v.mac,
    networkInterfaceId: v.networkInterfaceId,
    localIpv4s: addresses,
  };
}

import { isIPv4 } from "node:net";
import { awsIdPattern, regionPattern } from "../cluster/id-patterns";

/** What this instance is, read from IMDSv2 (or from the description where it says so). */
export interface Identity {
  instanceId: string;
  region: string;
  availabilityZone: string;
  /** The primary interface's MAC and ENI. */
  mac: string;
  networkInterfaceId: string;
  /** Addresses of the primary ENI as EC2 sees them, primary first. */
  localIpv4s: string[];
}

export interface Imds {
  identity(): Promise<Identity>;
  /** The identity, if this process has read it already; never a request. */
  known?(): Identity | undefined;
  /**
   * The ENI behind a given MAC: for a resource on a node interface other than the first, whose
   * ENI the description does not name. A MAC with no ENI of this instance is a "config" error.
   */
  interfaceIdOf(mac: string): Promise<string>;
}

// What IMDS answers decides which instance, ENI and region every EC2 call names, and a MAC becomes
// part of the next metadata path. So each part is held to the rules the cluster description uses
// for the same ids before anything is done with it: a proxy's error page, or a service that is
// not EC2's, then stops the run with a message instead of steering it.

const macPattern = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const instanceIdPattern = awsIdPattern("i");
const eniIdPattern = awsIdPattern("eni");
// Region, then a zone letter; or a Local or Wavelength Zone after the region (us-west-2-lax-1a).
const zonePattern = /^[a-z0-9-]{1,64}$/;

export interface IdentityRule {
  /** "an instance id", "a MAC address", … */
  what: string;
  holds(value: string): boolean;
}

export const identityRules = {
  instanceId: { what: "an instance id", holds: (v: string) => instanceIdPattern.test(v) },
  region: { what: "an AWS region", holds: (v: string) => regionPattern.test(v) },
  mac: { what: "a MAC address", holds: (v: string) => macPattern.test(v) },
  networkInterfaceId: { what: "a network interface id", holds: (v: string) => eniIdPattern.test(v) },
  localIpv4s: {
    what: "a list of IPv4 addresses",
    holds: (v: string) => {
      const lines = v.split("\n");
      return lines.length <= 256 && lines.every((line) => isIPv4(line));
    },
  },
} satisfies Record<string, IdentityRule>;

/** An availability zone of `region`: its name starts with the region's. */
export function zoneRule(region: string): IdentityRule {
  return {
    what: `an availability zone of ${region}`,
    holds: (v) => zonePattern.test(v) && v.startsWith(region) && v.length > region.length,
  };
}

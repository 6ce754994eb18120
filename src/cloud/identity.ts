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
  /** The ENI behind a given MAC (for nodes whose cluster interface is not the primary one). */
  interfaceIdOf(mac: string): Promise<string>;
}

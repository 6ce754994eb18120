import type { Identity, Imds } from "../../src/cloud/identity";
import { AwsHaError } from "../../src/errors";
import type { Ec2World } from "../support/ec2-standin/world";

// A node's instance metadata, read from the EC2 stand-in's world at the moment of the question (as
// the IMDS stand-in does over HTTP). One per transition, like the one per aws-ha-notify process: the
// identity is read once and kept.

export class NodeImds implements Imds {
  private cached: Promise<Identity> | undefined;

  constructor(
    private readonly world: Ec2World,
    private readonly instanceId: string,
  ) {}

  identity(): Promise<Identity> {
    this.cached ??= Promise.resolve().then(() => {
      const instance = this.world.instance(this.instanceId);
      const primary = this.world.interfacesOf(this.instanceId)[0];
      if (!primary) throw new AwsHaError("cloud", `${this.instanceId} has no network interface`);
      return {
        instanceId: instance.instanceId,
        region: this.world.region,
        availabilityZone: instance.availabilityZone,
        mac: primary.macAddress,
        networkInterfaceId: primary.networkInterfaceId,
        localIpv4s: [...primary.privateIps],
      };
    });
    return this.cached;
  }

  async interfaceIdOf(mac: string): Promise<string> {
    const eni = [...this.world.interfaces.values()].find((e) => e.macAddress === mac.toLowerCase() && e.instanceId === this.instanceId);
    if (!eni) throw new AwsHaError("cloud", `no interface with MAC ${mac} on ${this.instanceId}`);
    return eni.networkInterfaceId;
  }
}

import type { EniSpec } from "../../../src/kinds/eni/schema";
import type { WorldState } from "./cloud-control";
import { runOk } from "./commands";
import type { Lab } from "./lab";

// A whole ENI hot-plugged by EC2, as a node's kernel sees it: while EC2 reports the ENI attached
// (or still detaching) to a node's instance, a network device with the ENI's MAC exists in that
// node's namespace; otherwise it is parked in the hub namespace, where no node sees it. The device
// is one end of a veth whose other end stays in the hub, up, so the ENI end has a carrier once it
// is brought up. Moving a device between namespaces takes it down, as a freshly plugged one is:
// bringing it up is aws-ha's job. Deleting the namespaces (the lab's teardown) destroys both ends.

export interface EniLink {
  networkInterfaceId: string;
  macAddress: string;
  /** The device's name wherever it is: the description's interface, as udev would name it. */
  name: string;
  /** The hub's end of the veth. */
  hubEnd: string;
}

/** What `ip -j link show` says of the ENI's device in a namespace. */
export interface EniDevice {
  name: string;
  mac: string;
  /** Administratively up (the UP flag). */
  up: boolean;
  operstate: string;
}

export interface EniLinkMove {
  networkInterfaceId: string;
  /** The node it moved into, or "hub" when parked. */
  to: string;
  at: number;
}

export class EniLinks {
  /** Where each ENI's device is now: a namespace name. */
  private readonly where = new Map<string, string>();
  readonly moves: EniLinkMove[] = [];

  private constructor(
    private readonly lab: Lab,
    readonly links: readonly EniLink[],
  ) {}

  /** Makes each eni resource's device, parked in the hub, and lets it follow EC2's attachments from now on. */
  static async create(lab: Lab): Promise<EniLinks> {
    const world = await lab.ec2.control.state();
    const specs = lab.description.resources.filter((r): r is EniSpec => r.kind === "eni");
    const links = specs.map((spec, n): EniLink => {
      const eni = world.interfaces.find((e) => e.networkInterfaceId === spec.networkInterfaceId);
      if (!eni) throw new Error(`the EC2 stand-in has no ${spec.networkInterfaceId}`);
      return {
        networkInterfaceId: spec.networkInterfaceId,
        macAddress: eni.macAddress,
        name: spec.interface ?? `ens${5 + spec.deviceIndex}`,
        hubEnd: `eni-hub${n}`,
      };
    });
    const hub = lab.network.hub;
    const eniLinks = new EniLinks(lab, links);
    for (const link of links) {
      await runOk(["ip", "-n", hub, "link", "add", link.hubEnd, "type", "veth", "peer", "name", link.name]);
      await runOk(["ip", "-n", hub, "link", "set", "dev", link.name, "address", link.macAddress]);
      await runOk(["ip", "-n", hub, "link", "set", "dev", link.hubEnd, "up"]);
      eniLinks.where.set(link.networkInterfaceId, hub);
    }
    lab.watch.react((w) => eniLinks.follow(w));
    await lab.watch.once();
    return eniLinks;
  }

  /** Puts every ENI's device where EC2's attachment says it is. */
  async follow(world: WorldState): Promise<void> {
    for (const link of this.links) {
      const eni = world.interfaces.find((e) => e.networkInterfaceId === link.networkInterfaceId);
      // "attaching" has no device yet; "detaching" still has it, until EC2 reports it gone.
      const present = eni?.instanceId !== undefined && (eni.attachmentState === "attached" || eni.attachmentState === "detaching");
      const node = present ? this.lab.nodes.find((n) => n.instanceId === eni.instanceId) : undefined;
      const target = node ? this.lab.network.namespaceOf(node.name) : this.lab.network.hub;
      const current = this.where.get(link.networkInterfaceId)!;
      if (current === target) continue;
      await runOk(["ip", "-n", current, "link", "set", "dev", link.name, "netns", target]);
      this.where.set(link.networkInterfaceId, target);
      this.moves.push({ networkInterfaceId: link.networkInterfaceId, to: node?.name ?? "hub", at: Date.now() });
    }
  }

  /** The node whose namespace holds the ENI's device now, or "hub". */
  locationOf(networkInterfaceId: string): string {
    const ns = this.where.get(networkInterfaceId);
    return this.lab.nodes.find((n) => this.lab.network.namespaceOf(n.name) === ns)?.name ?? "hub";
  }

  /** The device carrying the MAC in the node's namespace, as `ip -j link show` reports it, if any. */
  async deviceIn(nodeName: string, macAddress: string): Promise<EniDevice | undefined> {
    const json = await runOk(["ip", "-n", this.lab.network.namespaceOf(nodeName), "-j", "link", "show"]);
    const parsed = JSON.parse(json || "[]") as { ifname?: string; address?: string; flags?: string[]; operstate?: string }[];
    const found = parsed.find((l) => l.address?.toLowerCase() === macAddress.toLowerCase());
    if (!found) return undefined;
    return {
      name: found.ifname ?? "",
      mac: found.address!.toLowerCase(),
      up: (found.flags ?? []).includes("UP"),
      operstate: found.operstate ?? "",
    };
  }
}

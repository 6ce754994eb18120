import type { InterfaceView, RouteView } from "../cloud/ec2-port";

/**
 * What one acquiring transition read from EC2, for a later step to use instead of asking again: each
 * dependent call is a round trip the failover waits for. An ENI read by a confirmation after this
 * transition's change is kept apart from one read by inspect, which predates every change.
 */
export class Observations {
  private readonly confirmed = new Map<string, InterfaceView>();
  private readonly inspected = new Map<string, InterfaceView>();
  private readonly routes = new Map<string, RouteView[]>();

  /** An ENI as inspect read it, before any change. */
  inspectedInterface(view: InterfaceView): void {
    this.inspected.set(view.networkInterfaceId, view);
  }

  /** An ENI as a confirmation read it, after this transition's change. */
  confirmedInterface(view: InterfaceView): void {
    this.confirmed.set(view.networkInterfaceId, view);
  }

  /** The ENI as last read in this transition, confirmed or inspected. */
  interfaceSeen(networkInterfaceId: string): InterfaceView | undefined {
    return this.confirmed.get(networkInterfaceId) ?? this.inspected.get(networkInterfaceId);
  }

  /** Whether a confirmation after the change saw the Elastic IP `allocationId` on `privateIp` of the ENI. */
  associationConfirmed(networkInterfaceId: string, privateIp: string, allocationId: string): boolean {
    const view = this.confirmed.get(networkInterfaceId);
    return view?.associations?.some((a) => a.privateIp === privateIp && a.allocationId === allocationId) ?? false;
  }

  /** The routes for `cidr` as inspect read them. */
  inspectedRoutes(cidr: string, views: RouteView[]): void {
    this.routes.set(cidr, views);
  }

  routesSeen(cidr: string): RouteView[] | undefined {
    return this.routes.get(cidr);
  }
}

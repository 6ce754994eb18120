import type { ActionTable } from "./action";
import { Ec2Error, invalidParameterValue, missingParameter } from "./errors";
import { applyFilters, type FilterKeys } from "./filters";
import { numberToIp, parseCidr } from "./ipv4";
import { canonicalAddress, familyOf, networkAddress } from "../../../src/cluster/ip-addresses";
import type { QueryRequest } from "./query";
import { routeState, type Ec2World, type Route, type RouteTable } from "./world";
import { itemSet, leaf, node } from "./xml";

// Route tables: the route resource's side of EC2 (an "overlay" /32 routed to the active node's
// interface). ReplaceRoute on a destination the table lacks fails with InvalidParameterValue
// ("Use CreateRoute instead"), CreateRoute on one it has fails with RouteAlreadyExists, whatever
// the target; the local route of the VPC can be neither replaced nor deleted. All of that is judged
// before the permission answer, DryRun included: a route request names its table, destination and
// target, and EC2 checks them together. An IPv6 destination comes in DestinationIpv6CidrBlock and
// goes out as destinationIpv6CidrBlock; the table keeps either in destinationCidrBlock.

const routeTableFilters = (world: Ec2World): FilterKeys<RouteTable> => ({
  "route-table-id": (t) => [t.routeTableId],
  "vpc-id": (t) => [t.vpcId],
  "route.destination-cidr-block": (t) => t.routes.map((r) => (isIpv6Block(r) ? undefined : r.destinationCidrBlock)),
  "route.destination-ipv6-cidr-block": (t) => t.routes.map((r) => (isIpv6Block(r) ? r.destinationCidrBlock : undefined)),
  "route.network-interface-id": (t) => t.routes.map((r) => r.networkInterfaceId),
  "route.gateway-id": (t) => t.routes.map((r) => r.gatewayId),
  "route.instance-id": (t) => t.routes.map((r) => targetInstance(world, r)),
  "route.origin": (t) => t.routes.map((r) => r.origin),
  "route.state": (t) => t.routes.map((r) => routeState(world, r)),
});

const targetInstance = (world: Ec2World, r: Route) =>
  r.networkInterfaceId ? world.interfaces.get(r.networkInterfaceId)?.instanceId : undefined;

function routeTableXml(world: Ec2World, t: RouteTable): string {
  return [
    leaf("routeTableId", t.routeTableId),
    leaf("vpcId", t.vpcId),
    leaf("ownerId", world.accountId),
    itemSet("routeSet", t.routes, (r) => {
      const instanceId = targetInstance(world, r);
      return [
        leaf(isIpv6Block(r) ? "destinationIpv6CidrBlock" : "destinationCidrBlock", r.destinationCidrBlock),
        leaf("gatewayId", r.gatewayId),
        leaf("networkInterfaceId", r.networkInterfaceId),
        leaf("instanceId", instanceId),
        leaf("instanceOwnerId", instanceId ? world.accountId : undefined),
        leaf("state", routeState(world, r)),
        leaf("origin", r.origin),
      ].join("");
    }),
    node("associationSet"),
    node("propagatingVgwSet"),
    node("tagSet"),
  ].join("");
}

function describeRouteTables(world: Ec2World, request: QueryRequest): string {
  const ids = request.list("RouteTableId");
  const candidates = ids.length > 0 ? ids.map((id) => world.routeTable(id)) : [...world.routeTables.values()];
  return itemSet("routeTableSet", applyFilters(candidates, request.filters(), routeTableFilters(world)), (t) => routeTableXml(world, t));
}

const isIpv6Block = (r: Route) => r.destinationCidrBlock.includes(":");

/** The destination as EC2 accepts it: a CIDR block without host bits, IPv4 or IPv6 in its own parameter. */
function destination(request: QueryRequest): string {
  const ipv6 = request.get("DestinationIpv6CidrBlock");
  if (ipv6 !== undefined) {
    if (request.get("DestinationCidrBlock") !== undefined)
      throw new Ec2Error("InvalidParameterCombination", "Only one of DestinationCidrBlock and DestinationIpv6CidrBlock may be given.");
    return ipv6Destination(ipv6);
  }
  const cidr = request.require("DestinationCidrBlock");
  const invalid = () =>
    invalidParameterValue(`Value (${cidr}) for parameter destinationCidrBlock is invalid. This is not a valid CIDR block.`);
  let block;
  try {
    block = parseCidr(cidr);
  } catch {
    throw invalid();
  }
  if (numberToIp(block.base) !== cidr.split("/")[0]) throw invalid();
  return cidr;
}

function ipv6Destination(cidr: string): string {
  const [address, bits, ...rest] = cidr.split("/");
  const prefix = Number(bits);
  if (rest.length > 0 || familyOf(address ?? "") !== "ipv6" || !Number.isInteger(prefix) || prefix < 0 || prefix > 128)
    throw invalidParameterValue(`Value (${cidr}) for parameter destinationIpv6CidrBlock is invalid. This is not a valid IPv6 CIDR block.`);
  const canonical = canonicalAddress(address!);
  if (networkAddress(canonical, prefix) !== canonical)
    throw invalidParameterValue(`Value (${cidr}) for parameter destinationIpv6CidrBlock is invalid. This is not a valid IPv6 CIDR block.`);
  return `${canonical}/${prefix}`;
}

/** The route's target: exactly one of an interface, a gateway or a single-interface instance. */
function target(world: Ec2World, table: RouteTable, request: QueryRequest): Pick<Route, "networkInterfaceId" | "gatewayId"> {
  const networkInterfaceId = request.get("NetworkInterfaceId");
  const gatewayId = request.get("GatewayId");
  const instanceId = request.get("InstanceId");
  const given = [networkInterfaceId, gatewayId, instanceId].filter((t) => t !== undefined);
  if (given.length === 0) throw missingParameter("NetworkInterfaceId, GatewayId or InstanceId");
  if (given.length > 1)
    throw new Ec2Error("InvalidParameterCombination", "The parameter combination is not valid: give exactly one route target.");
  if (gatewayId !== undefined) return { gatewayId };
  let eniId = networkInterfaceId;
  if (instanceId !== undefined) {
    world.instance(instanceId);
    const interfaces = world.interfacesOf(instanceId);
    if (interfaces.length !== 1) {
      throw new Ec2Error(
        "InvalidInstanceID",
        `There are multiple interfaces attached to instance '${instanceId}'. Please specify an interface ID for the operation instead.`,
      );
    }
    eniId = interfaces[0]!.networkInterfaceId;
  }
  const eni = world.eni(eniId!);
  if (world.vpcOf(eni) !== table.vpcId) {
    throw invalidParameterValue(
      `Route table ${table.routeTableId} and network interface ${eni.networkInterfaceId} belong to different networks`,
    );
  }
  return { networkInterfaceId: eni.networkInterfaceId };
}

/** A CreateRoute request as EC2 judges it: the table, a new destination, a target in the table's VPC. */
function routeToCreate(world: Ec2World, request: QueryRequest) {
  const table = world.routeTable(request.require("RouteTableId"));
  const cidr = destination(request);
  const to = target(world, table, request);
  if (table.routes.some((r) => r.destinationCidrBlock === cidr))
    throw new Ec2Error("RouteAlreadyExists", `The route identified by ${cidr} already exists.`);
  return { table, cidr, to };
}

function createRoute(world: Ec2World, request: QueryRequest): string {
  const { table, cidr, to } = routeToCreate(world, request);
  table.routes.push({ destinationCidrBlock: cidr, ...to, origin: "CreateRoute" });
  return leaf("return", true);
}

function existingRoute(table: RouteTable, cidr: string, missing: () => Error): Route {
  const route = table.routes.find((r) => r.destinationCidrBlock === cidr);
  if (!route) throw missing();
  if (route.origin === "CreateRouteTable")
    throw invalidParameterValue(`cannot change or remove the local route ${cidr} of ${table.routeTableId}`);
  return route;
}

/** A ReplaceRoute request as EC2 judges it: the table, a destination it has, a target in its VPC. */
function routeToReplace(world: Ec2World, request: QueryRequest) {
  const table = world.routeTable(request.require("RouteTableId"));
  const cidr = destination(request);
  const to = target(world, table, request);
  const route = existingRoute(table, cidr, () =>
    invalidParameterValue(`There is no route defined for '${cidr}' in the route table. Use CreateRoute instead.`),
  );
  return { route, to };
}

function replaceRoute(world: Ec2World, request: QueryRequest): string {
  const { route, to } = routeToReplace(world, request);
  route.networkInterfaceId = to.networkInterfaceId;
  route.gatewayId = to.gatewayId;
  return leaf("return", true);
}

/** A DeleteRoute request as EC2 judges it: the table and a destination it has. */
function routeToDelete(world: Ec2World, request: QueryRequest) {
  const table = world.routeTable(request.require("RouteTableId"));
  const cidr = destination(request);
  const route = existingRoute(
    table,
    cidr,
    () => new Ec2Error("InvalidRoute.NotFound", `no route with destination-cidr-block ${cidr} in route table ${table.routeTableId}`),
  );
  return { table, route };
}

function deleteRoute(world: Ec2World, request: QueryRequest): string {
  const { table, route } = routeToDelete(world, request);
  table.routes = table.routes.filter((r) => r !== route);
  return leaf("return", true);
}

export const routeActions: ActionTable = {
  DescribeRouteTables: { mutates: false, dryRun: true, run: describeRouteTables },
  CreateRoute: { mutates: true, dryRun: true, validate: routeToCreate, run: createRoute },
  ReplaceRoute: { mutates: true, dryRun: true, validate: routeToReplace, run: replaceRoute },
  DeleteRoute: { mutates: true, dryRun: true, validate: routeToDelete, run: deleteRoute },
};

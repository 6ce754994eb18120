import { namesMissingRoute } from "../../cloud/ec2-errors";
import { bitsOf, familyOf } from "../../cluster/ip-addresses";
import type { DryRunAction } from "../../cloud/ec2-port";
import { resourcesOf } from "../kind";
import { ask, isRefusal, unproven, warn } from "../permission-answers";
import type { PermissionTable, PolicyScope, Probe, ProbeScope } from "../permission-table";
import { unique } from "../unique";
import type { RouteSpec } from "./schema";

// An overlay route is pointed at this node by ReplaceRoute (CreateRoute while the table has no
// route for it yet) and, with release set, removed by DeleteRoute, in each of its tables. The ENI's
// source/destination check must be off for the node to accept packets for an address not its own.
export const routePermissions: PermissionTable<RouteSpec> = {
  subjects: (d) => resourcesOf(d, "route"),
  rows: [
    { read: "DescribeRouteTables" },
    { read: "DescribeNetworkInterfaces" },
    { action: "CreateRoute", statement: "MoveOverlayRoutes", resources: routeTables },
    { action: "ReplaceRoute", statement: "MoveOverlayRoutes", resources: routeTables, probes: replaceProbes },
    { action: "DeleteRoute", statement: "MoveOverlayRoutes", resources: routeTables },
    { action: "ModifyNetworkInterfaceAttribute", statement: "DisableSourceDestCheck", resources: (_routes, policy) => policy.eniArns },
  ],
};

function routeTables(routes: readonly RouteSpec[], policy: PolicyScope): string[] {
  return unique(routes.flatMap((r) => r.routeTables)).map((t) => policy.arn("route-table", t));
}

function replaceProbes(route: RouteSpec, { eni }: ProbeScope): Probe[] {
  return route.routeTables.map((table) => {
    const topic = `ReplaceRoute ${route.name} ${table}`;
    const request = {
      action: "ReplaceRoute",
      routeTableId: table,
      cidr: `${route.address}/${bitsOf(familyOf(route.address) ?? "ipv4")}`,
      networkInterfaceId: eni,
    } satisfies DryRunAction;
    return {
      topic,
      request,
      // routeTo sends ReplaceRoute and, told the route is missing, CreateRoute: the first acquire on a
      // fresh VPC creates the route, every later one replaces it.
      async whenRefused(refusal, ec2) {
        if (!namesMissingRoute(refusal.code, refusal.message)) return undefined;
        const created = await ask(ec2, { topic: `CreateRoute ${route.name} ${table}`, request: { ...request, action: "CreateRoute" } });
        return [
          warn(
            topic,
            `there is no route for ${request.cidr} in ${request.routeTableId} yet, and EC2 refused the request for that instead of ` +
              `answering for the permission (${refusal.code}). Every acquire sends ReplaceRoute first and CreateRoute (next line) ` +
              `only when the route is missing: make sure the role grants ec2:ReplaceRoute too (aws-ha-gen iam-policy grants both)`,
          ),
          isRefusal(created) ? unproven(created.topic, created) : created,
        ];
      },
    };
  });
}

import type { ClusterDescription } from "../cluster/schema";
import type { PermissionTable } from "./permission-table";

// What every node reads whatever its resources: its own instance and ENI, which `check` and each
// transition look at before anything moves.
export const nodePermissions: PermissionTable<ClusterDescription> = {
  subjects: (d) => [d],
  rows: [{ read: "DescribeNetworkInterfaces" }, { read: "DescribeInstances" }],
};

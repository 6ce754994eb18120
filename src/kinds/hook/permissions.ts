import { resourcesOf } from "../kind";
import type { PermissionTable } from "../permission-table";
import type { HookSpec } from "./schema";

// A hook runs the operator's command on this machine and calls nothing in EC2.
export const hookPermissions: PermissionTable<HookSpec> = { subjects: (d) => resourcesOf(d, "hook"), rows: [] };

import { resourcesOf } from "../kind";
import type { PermissionTable } from "../permission-table";
import type { ServiceSpec } from "./schema";

// A service is started and stopped on this machine and calls nothing in EC2.
export const servicePermissions: PermissionTable<ServiceSpec> = { subjects: (d) => resourcesOf(d, "service"), rows: [] };

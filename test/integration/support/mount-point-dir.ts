import { mkdtempSync } from "node:fs";
import { join } from "node:path";

// aws-ha refuses a volume's mount point on a path that a user other than root could redirect:
// every directory from / down must be root's and writable by root alone. /tmp, which everyone may
// write, is out; scenarios that mount as root make their directories under /var/lib instead.

export const rootOnlyBase = "/var/lib";

/** A fresh directory (mode 0700) under one only root may write; the caller removes it. */
export function rootOnlyTempDir(prefix: string): string {
  return mkdtempSync(join(rootOnlyBase, prefix));
}

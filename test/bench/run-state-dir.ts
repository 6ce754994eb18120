import { statfsSync } from "node:fs";
import { tmpdir } from "node:os";

// Where the bench keeps what a node keeps under /run: its run directories (lock, event tickets,
// command ledger), FIFOs and sockets. On a node /run is a tmpfs; on an ext4 /tmp a directory
// rename waits on the journal now and then (2–3 ms for the lock of an event after a quiet spell),
// which would be charged to aws-ha although no node pays it. So: /dev/shm when it is a tmpfs.

const tmpfsMagic = 0x01021994;

export interface RunStateDir {
  path: string;
  /** Said in the bench's first line. */
  what: string;
}

export function runStateDir(): RunStateDir {
  const shm = "/dev/shm";
  try {
    if (statfsSync(shm).type === tmpfsMagic) return { path: shm, what: `run directories on tmpfs (${shm}), as /run on a node` };
  } catch {
    // no /dev/shm here
  }
  return {
    path: tmpdir(),
    what: `run directories in ${tmpdir()}: ${shm} is no tmpfs here, so lock and ticket renames may cost more than on a node`,
  };
}

import type { Finding } from "../kinds/finding";
import { ask, isRefusal, unproven } from "../kinds/permission-answers";
import { actionOf, isRead, type Probe, type ProbePort, type ProbeScope, type ReadAction } from "../kinds/permission-table";
import { permissionsNeededBy } from "../kinds/registry";
import { unique } from "../kinds/unique";

// `check`'s permission probes: every row of every permission table the description needs, proven
// the way its table says (src/kinds/permission-table.ts). A DryRun that EC2 refuses instead of
// answering is sent again the way the first acquire will really call EC2 where the row says how;
// what stays unproven is a warning that says why. Only a denial is a failure.

export async function probePermissions(ec2: ProbePort, scope: ProbeScope): Promise<Finding[]> {
  const needed = permissionsNeededBy(scope.description);
  // The read actions once each, whichever tables need them: a DryRun of a Describe names nothing.
  const reads = unique(needed.flatMap(({ table }) => table.rows.filter(isRead).map(actionOf))) as ReadAction[];
  const probes: Probe[] = [
    ...reads.map((action): Probe => ({ topic: action, request: { action } })),
    ...needed.flatMap(({ table, subjects }) =>
      table.rows.flatMap((row) => (isRead(row) || !row.probes ? [] : subjects.flatMap((s) => row.probes!(s, scope)))),
    ),
  ];
  const answers = await Promise.all([
    ...probes.map((probe) => proveWithFallback(ec2, probe)),
    ...needed.map(({ table, subjects }) => table.prove?.(ec2, subjects, scope) ?? []),
  ]);
  return answers.flat();
}

/** The probe's findings: its own answer, and where EC2 refused it, what its row sends instead. */
async function proveWithFallback(ec2: ProbePort, probe: Probe): Promise<Finding[]> {
  const answer = await ask(ec2, probe);
  if (!isRefusal(answer)) return [answer];
  return (await probe.whenRefused?.(answer, ec2)) ?? [unproven(probe.topic, answer)];
}

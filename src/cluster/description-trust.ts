import type { Stats } from "node:fs";
import type { ClusterDescription } from "./schema";
import { describeProblem, fixesFor, walkPath, type TrustProblem, type WalkedPath } from "./file-trust";
import { AwsHaError } from "../errors";

// The cluster description makes aws-ha run commands as root: its hooks, its services' init
// scripts, and (through keepalived) its health check. Whoever can change the description, or one of
// those executables, or any directory on the way to them, can therefore run anything as root. A
// node acting on the description refuses it unless root (or the user running aws-ha) alone could
// have written all of it. Rendering and validating read a description without running anything it
// names, so they do not ask (an operator's workstation copy is the operator's own business).

/** The description as an operator installs it: `install -o root -g root -m 0644`. */
const descriptionMode = 0o644;
/** Executables: `install -o root -g root -m 0755`. */
const executableMode = 0o755;

export interface Executable {
  /** Where the description names it, e.g. `resources[3].acquire[0]`. */
  where: string;
  path: string;
}

/**
 * Everything aws-ha or keepalived runs because the description names it, in the description's
 * order; a path named twice (a hook's acquire and release) once, where it is named first.
 */
export function executablesNamed(d: ClusterDescription): Executable[] {
  const named: Executable[] = [];
  d.resources.forEach((r, i) => {
    if (r.kind === "hook")
      for (const phase of ["acquire", "release"] as const) {
        const argv = r[phase];
        if (argv) named.push({ where: `resources[${i}].${phase}[0]`, path: argv[0]! });
      }
    if (r.kind === "service" && r.initScript) named.push({ where: `resources[${i}].initScript`, path: r.initScript });
  });
  const check = d.keepalived?.healthCheck;
  if (check) named.push({ where: "keepalived.healthCheck.command[0]", path: check.command[0]! });
  return named.filter((e, i) => named.findIndex((other) => other.path === e.path) === i);
}

export interface Distrust {
  /** One line: what could be changed by whom. */
  message: string;
  /** The commands that fix it, `; `-separated. */
  fix: string;
}

/** Why the description file itself cannot be trusted, or undefined when it can. */
export function descriptionDistrust(path: string, trustedUid: number): Distrust | undefined {
  return distrustOf(path, walkPath(path, trustedUid));
}

function distrustOf(path: string, walked: WalkedPath): Distrust | undefined {
  if (walked.problems.length === 0) return undefined;
  return {
    message: `the cluster description ${path} decides what aws-ha runs as root, but ${summary(walked.problems)}`,
    fix: fixesFor(walked.problems, walked.target?.path ?? path, descriptionMode).join("; "),
  };
}

/** Why one executable the description names cannot be trusted, or undefined when it can. */
export function executableDistrust(executable: Executable, trustedUid: number): Distrust | undefined {
  const walked = walkPath(executable.path, trustedUid);
  if (walked.problems.length === 0) return undefined;
  return {
    message: `${executable.where} ${executable.path} runs as root, but ${summary(walked.problems)}`,
    fix: fixesFor(walked.problems, walked.target?.path ?? executable.path, executableMode).join("; "),
  };
}

/**
 * Throws the refusal (exit 6) when the description file cannot be trusted, or when `read` (the
 * file as it was opened) is not the file the path leads to now.
 */
export function refuseUntrustedDescription(path: string, trustedUid: number, read?: Stats): void {
  const walked = walkPath(path, trustedUid);
  const distrust = distrustOf(path, walked);
  if (distrust) throw new AwsHaError("config", distrust.message, { fix: distrust.fix });
  if (read && !sameFile(read, walked.target?.entry))
    throw new AwsHaError("config", `the cluster description ${path} changed while it was read`, {
      fix: "keep the description in a directory only root can write, and run the command again",
    });
}

function sameFile(a: Stats, b: Stats | undefined): boolean {
  return b !== undefined && a.dev === b.dev && a.ino === b.ino;
}

/** Throws one refusal naming every executable of the description that cannot be trusted. */
export function refuseUntrustedExecutables(d: ClusterDescription, source: string, trustedUid: number): void {
  const distrusted = executablesNamed(d).flatMap((e) => executableDistrust(e, trustedUid) ?? []);
  if (distrusted.length === 0) return;
  throw new AwsHaError(
    "config",
    `the cluster description ${source} names commands that a user other than root could change: ${distrusted.map((d) => d.message).join("; ")}`,
    {
      fix: [...new Set(distrusted.flatMap((d) => d.fix.split("; ")))].join("; "),
    },
  );
}

function summary(problems: readonly TrustProblem[]): string {
  return problems.map(describeProblem).join(", ");
}

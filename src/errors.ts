import { escapeControls } from "./log";

// Typed errors carry what failed and what the operator must do about it. Only the CLI layer turns
// an error kind into an exit code (see src/exit-codes.ts).

export type ErrorKind =
  | "usage" // bad arguments: exit 2
  | "config" // the cluster description is malformed or inconsistent: exit 2 (OCF 6)
  | "install" // a binary, file or device this node needs is missing: exit 5
  | "permission" // AWS denied an action: exit 4
  | "conflict" // another node holds what we need and will not give it up: exit 1
  | "timeout" // a deadline passed: exit 1
  | "cloud" // EC2 or IMDS failed in a way retries did not cure: exit 1
  | "host"; // mount, fsck, service or hook failed on this machine: exit 1

interface ErrorDetails {
  resource?: string;
  /** What to do about it, in the operator's words. */
  fix?: string;
  /** EC2's error code and its id for the request (what AWS support asks for). */
  awsCode?: string;
  requestId?: string;
  /** The HTTP status of the answer that failed (EC2's or the metadata service's). */
  httpStatus?: number;
}

export class AwsHaError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly details: ErrorDetails = {},
    /**
     * `cause`: the SDK's (or Node's) own error, kept for a debugger and for the log, which shows only
     * its name and first line, bounded (errorFields in src/log.ts), never the whole object.
     */
    options: { cause?: unknown } = {},
  ) {
    super(message, "cause" in options ? { cause: options.cause } : undefined);
    this.name = "AwsHaError";
  }

  /** One line for stderr and syslog: what failed, then what to do. */
  describe(): string {
    const where = this.details.resource ? `${this.details.resource}: ` : "";
    const fix = this.details.fix ? `; ${this.details.fix}` : "";
    return `${where}${this.message}${fix}`;
  }
}

/**
 * The most problems a ConfigError lists: a description with thousands of bad entries would
 * otherwise print thousands of lines to the terminal or syslog. Its `problems` keep them all.
 */
export const listedProblems = 20;

export class ConfigError extends AwsHaError {
  constructor(
    readonly problems: readonly ConfigProblem[],
    source: string,
  ) {
    super("config", problemList(problems, source));
  }
  override describe(): string {
    return this.message;
  }
}

export interface ConfigProblem {
  /** Where in the description, e.g. `nodes[1].address`. */
  path: string;
  message: string;
}

/**
 * `SOURCE: N problems` and one line `  PATH: MESSAGE` per problem, each escaped so that a file name
 * or a value quoted from the file cannot break its line. Past the bound, the heading says how many
 * are left out and still counts the lines that follow it, so a reader can rely on that count.
 */
function problemList(problems: readonly ConfigProblem[], source: string): string {
  const listed = problems.slice(0, listedProblems);
  const plural = (n: number) => (n === 1 ? "1 problem" : `${n} problems`);
  const left = problems.length - listed.length;
  const where = escapeControls(source);
  const heading = left > 0 ? `${where} (${problems.length} problems in all, ${left} of them not listed)` : where;
  const lines = listed.map((p) => `  ${escapeControls(p.path)}: ${escapeControls(p.message)}`);
  return [`${heading}: ${plural(listed.length)}`, ...lines].join("\n");
}

export const usageError = (message: string) => new AwsHaError("usage", message);

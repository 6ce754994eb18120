import { AwsHaError } from "../../errors";
import { quoted } from "../../log";
import {
  agentName,
  defaultPowerTimeoutSeconds,
  fenceActions,
  parameterNamed,
  parameters,
  type FenceAction,
  type Parameter,
} from "./parameters";

// The fence-agents protocol's two ways in. Pacemaker writes `key=value` lines on stdin; an operator
// types `--key value` (or `--key=value`, or the short -o/-n/-v). With any argument on the command
// line, stdin is not read, as fence-agents do.
//
// Unknown keys and lines are warned about and skipped, as fence-agents do: Pacemaker hands the
// agent every parameter of the stonith device, and a newer Pacemaker (or a parameter meant for
// another agent) must not turn every fencing attempt into a failure. A known key with a value that
// cannot be right (power_timeout=soon) is an error: that is a configuration to correct.

export interface FenceRequest {
  action: FenceAction;
  plug?: string;
  nodename?: string;
  region?: string;
  hostMap?: string;
  description?: string;
  powerTimeoutSeconds: number;
  delaySeconds: number;
  /** Fence without first checking that this agent's own instance is running. */
  skipRaceCheck: boolean;
  verbose: boolean;
}

export type FenceInvocation = { kind: "help" } | { kind: "version" } | { kind: "request"; request: FenceRequest; warnings: string[] };

/** Options from `key=value` lines (stdin). */
export function parseStdinOptions(text: string): FenceInvocation {
  const values = new Map<Parameter, string>();
  const warnings: string[] = [];
  for (const [index, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    const key = eq < 0 ? line : line.slice(0, eq).trim();
    const value = eq < 0 ? "" : line.slice(eq + 1).trim();
    // `option` is the action's name in the oldest fence-agents protocol; Pacemaker still knows it.
    const parameter = parameterNamed(key === "option" ? "action" : key);
    if (!parameter) {
      warnings.push(
        eq < 0
          ? `ignoring stdin line ${index + 1}: ${quoted(line)} is no key=value pair`
          : `ignoring unknown option ${quoted(key)} (stdin line ${index + 1})`,
      );
      continue;
    }
    values.set(parameter, value);
  }
  return { kind: "request", request: requestFrom(values), warnings };
}

/** Options from the command line. */
export function parseArgvOptions(argv: readonly string[]): FenceInvocation {
  const values = new Map<Parameter, string>();
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === "-h" || word === "--help") return { kind: "help" };
    if (word === "-V" || word === "--version") return { kind: "version" };
    let parameter: Parameter | undefined;
    let inline: string | undefined;
    if (word.startsWith("--")) {
      const eq = word.indexOf("=");
      const name = (eq < 0 ? word.slice(2) : word.slice(2, eq)).replace(/-/g, "_");
      parameter = parameterNamed(name);
      if (eq >= 0) inline = word.slice(eq + 1);
    } else if (/^-[a-zA-Z]$/.test(word)) {
      parameter = parameters.find((p) => p.short === word.slice(1));
    }
    if (!parameter || parameter.internal)
      throw new AwsHaError("usage", `unknown option ${quoted(word)}`, { fix: `see ${agentName} --help` });
    if (parameter.type === "boolean") {
      values.set(parameter, inline ?? "1");
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new AwsHaError("usage", `${word} needs a value`, { fix: `see ${agentName} --help` });
    values.set(parameter, value);
  }
  return { kind: "request", request: requestFrom(values), warnings: [] };
}

function requestFrom(values: ReadonlyMap<Parameter, string>): FenceRequest {
  const get = (name: string): string | undefined => {
    const parameter = parameterNamed(name)!;
    const value = values.get(parameter);
    if (value === undefined) return undefined;
    if (value === "" && parameter.type !== "boolean")
      throw new AwsHaError("usage", `${name} needs a value`, { fix: `write ${name}=… (see ${agentName} --help)` });
    return value;
  };
  const action = get("action") ?? "reboot";
  if (!(fenceActions as readonly string[]).includes(action))
    throw new AwsHaError("usage", `unknown action ${quoted(action)}`, { fix: `use one of: ${fenceActions.join(", ")}` });
  const plug = get("plug") ?? get("port");
  const nodename = get("nodename");
  const region = get("region");
  const hostMap = get("host_map");
  const description = get("description");
  return {
    action: action as FenceAction,
    ...(plug !== undefined ? { plug } : {}),
    ...(nodename !== undefined ? { nodename } : {}),
    ...(region !== undefined ? { region } : {}),
    ...(hostMap !== undefined ? { hostMap } : {}),
    ...(description !== undefined ? { description } : {}),
    powerTimeoutSeconds: seconds("power_timeout", get("power_timeout"), defaultPowerTimeoutSeconds, 1),
    delaySeconds: seconds("delay", get("delay"), 0, 0),
    skipRaceCheck: flag(values.get(parameterNamed("skip_race_check")!)),
    verbose: flag(values.get(parameterNamed("verbose")!)),
  };
}

function seconds(name: string, text: string | undefined, fallback: number, least: number): number {
  if (text === undefined) return fallback;
  // fence-agents write timeouts as plain seconds; Pacemaker's own "60s" spelling is accepted too.
  const m = /^(\d+(?:\.\d+)?)s?$/.exec(text);
  const value = m ? Number(m[1]) : NaN;
  if (!(value >= least && value <= 3600))
    throw new AwsHaError("usage", `${name}=${quoted(text)} is no number of seconds from ${least} to 3600`, {
      fix: `write ${name}=60 (seconds)`,
    });
  return value;
}

function flag(text: string | undefined): boolean {
  if (text === undefined) return false;
  return !/^(0|false|no|off)$/i.test(text);
}

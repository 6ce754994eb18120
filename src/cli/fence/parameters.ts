// The agent's options, once: the stdin keys Pacemaker sends, the command-line flags an operator
// types, and the <parameters> of the metadata Pacemaker and pcs read. fence-agents' names where
// they have one (action, plug, port, power_timeout, delay, verbose), ours for the rest.

export const agentName = "fence_aws_ha";

export type ParameterName =
  | "action"
  | "plug"
  | "port"
  | "nodename"
  | "region"
  | "host_map"
  | "description"
  | "power_timeout"
  | "delay"
  | "skip_race_check"
  | "verbose";

export interface Parameter {
  name: ParameterName;
  /** The command-line spelling; every key also answers to --key-with-dashes. */
  getopt: string;
  short?: string;
  type: "string" | "second" | "boolean";
  default?: string;
  required?: boolean;
  deprecated?: boolean;
  /** Sent by Pacemaker, not configured by the operator: left out of the metadata. */
  internal?: boolean;
  shortdesc: string;
}

export const fenceActions = ["on", "off", "reboot", "status", "list", "list-status", "monitor", "metadata", "validate-all"] as const;
export type FenceAction = (typeof fenceActions)[number];

export const defaultPowerTimeoutSeconds = 120;

export const parameters: readonly Parameter[] = [
  {
    name: "action",
    getopt: "--action=[action]",
    short: "o",
    type: "string",
    default: "reboot",
    required: true,
    shortdesc: "Fencing action",
  },
  {
    name: "plug",
    getopt: "--plug=[id]",
    short: "n",
    type: "string",
    required: true,
    shortdesc: "The instance to fence: its id (i-…), or a node name of host_map or the description",
  },
  { name: "port", getopt: "--port=[id]", type: "string", deprecated: true, shortdesc: "Same as plug" },
  { name: "nodename", getopt: "--nodename=[node]", type: "string", internal: true, shortdesc: "The node Pacemaker fences" },
  {
    name: "region",
    getopt: "--region=[region]",
    type: "string",
    shortdesc: "AWS region of the instances (default: the description's, AWS_REGION, else this instance's from IMDS)",
  },
  {
    name: "host_map",
    getopt: "--host-map=[map]",
    type: "string",
    shortdesc: "Node names and their instances: node1:i-…;node2:i-… (only these instances are fenced)",
  },
  {
    name: "description",
    getopt: "--description=[file]",
    type: "string",
    shortdesc: "aws-ha cluster description whose nodes map names to instances, e.g. /etc/aws-ha/cluster.yaml",
  },
  {
    name: "power_timeout",
    getopt: "--power-timeout=[seconds]",
    type: "second",
    default: String(defaultPowerTimeoutSeconds),
    shortdesc: "How long off (or on) waits for EC2 to report the instance stopped (or running)",
  },
  { name: "delay", getopt: "--delay=[seconds]", type: "second", default: "0", shortdesc: "Wait this long before off, on or reboot" },
  {
    name: "skip_race_check",
    getopt: "--skip-race-check",
    type: "boolean",
    shortdesc: "Fence even when this agent does not run on a running EC2 instance of its own (e.g. from an operator's machine)",
  },
  { name: "verbose", getopt: "--verbose", short: "v", type: "boolean", shortdesc: "Log every step, also at debug level" },
];

export function parameterNamed(name: string): Parameter | undefined {
  return parameters.find((p) => p.name === name);
}

import { join } from "node:path";
import { writeFileAtomically } from "./atomic-file";
import type { MetricsState } from "./metrics-state";

// The Prometheus text exposition format (version 0.0.4) that node_exporter's textfile collector
// reads: one HELP and one TYPE line per metric family, then its samples.

/** The file node_exporter picks up: one per cluster, so that two clusters on one node do not overwrite each other. */
export function textfileName(cluster: string): string {
  return `aws-ha-${cluster}.prom`;
}

interface Family {
  name: string;
  help: string;
  type: "gauge" | "counter";
  samples: { labels: Record<string, string>; value: number }[];
}

/** The metrics of this node for one cluster, from the state after its last transition. */
export function renderTextfile(state: MetricsState, who: { cluster: string; node: string }): string {
  const base = { cluster: who.cluster, node: who.node };
  const last = Object.entries(state.last);
  const resources = Object.entries(state.resources);
  const transitions = Object.entries(state.transitions).flatMap(([direction, byOutcome]) =>
    Object.entries(byOutcome).map(([outcome, n]) => ({ labels: { ...base, direction, outcome }, value: n })),
  );
  const steps = Object.entries(state.steps).map(([key, counted]) => {
    const [kind = "", action = ""] = key.split(" ");
    return { labels: { ...base, kind, action }, counted };
  });
  const families: Family[] = [
    {
      name: "aws_ha_last_transition_timestamp_seconds",
      help: "When the last transition of each direction ended, in seconds since the epoch.",
      type: "gauge",
      samples: last.map(([direction, t]) => ({ labels: { ...base, direction, event: t.event }, value: Date.parse(t.time) / 1000 })),
    },
    {
      name: "aws_ha_last_transition_duration_seconds",
      help: "How long the last transition of each direction took.",
      type: "gauge",
      samples: last.map(([direction, t]) => ({ labels: { ...base, direction, event: t.event }, value: t.ms / 1000 })),
    },
    {
      name: "aws_ha_last_transition_success",
      help: "1 when every step of the last transition of each direction succeeded, else 0.",
      type: "gauge",
      samples: last.map(([direction, t]) => ({ labels: { ...base, direction, event: t.event }, value: t.success ? 1 : 0 })),
    },
    {
      name: "aws_ha_resource_held",
      help: "1 when this node holds the resource, as its last transition saw or left it, else 0.",
      type: "gauge",
      samples: resources.flatMap(([resource, r]) =>
        r.held === undefined ? [] : [{ labels: { ...base, resource, kind: r.kind }, value: r.held ? 1 : 0 }],
      ),
    },
    {
      name: "aws_ha_resource_last_step_duration_seconds",
      help: "How long the last step (acquire or release) for the resource took on this node.",
      type: "gauge",
      samples: resources.flatMap(([resource, r]) =>
        r.lastStep === undefined
          ? []
          : [{ labels: { ...base, resource, kind: r.kind, action: r.lastStep.action }, value: r.lastStep.ms / 1000 }],
      ),
    },
    {
      name: "aws_ha_transitions_total",
      help: "Transitions on this node by direction and outcome (done, incomplete, failed, superseded).",
      type: "counter",
      samples: transitions,
    },
    {
      name: "aws_ha_transition_failures_total",
      help: "Transitions on this node that did not complete (outcome incomplete or failed), by direction.",
      type: "counter",
      samples: Object.entries(state.transitions).map(([direction, byOutcome]) => ({
        labels: { ...base, direction },
        value: (byOutcome.incomplete ?? 0) + (byOutcome.failed ?? 0),
      })),
    },
    {
      name: "aws_ha_steps_total",
      help: "Steps run on this node by resource kind and action.",
      type: "counter",
      samples: steps.map(({ labels, counted }) => ({ labels, value: counted.total })),
    },
    {
      name: "aws_ha_step_failures_total",
      help: "Steps that failed on this node by resource kind and action.",
      type: "counter",
      samples: steps.map(({ labels, counted }) => ({ labels, value: counted.failed })),
    },
  ];
  return families.map(familyText).join("");
}

/** Writes the textfile into node_exporter's directory, all at once. */
export function writeTextfile(dir: string, cluster: string, text: string): string {
  const path = join(dir, textfileName(cluster));
  writeFileAtomically(path, text);
  return path;
}

function familyText({ name, help, type, samples }: Family): string {
  const lines = [`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`];
  for (const { labels, value } of samples) lines.push(`${name}{${labelText(labels)}} ${valueText(value)}`);
  return `${lines.join("\n")}\n`;
}

function labelText(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
    .join(",");
}

/** Label values escape backslash, double quote and line feed. */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** HELP text escapes backslash and line feed. */
function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function valueText(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "+Inf" : "-Inf";
  return String(value);
}

// A strict reader of the Prometheus text exposition format (0.0.4), as node_exporter's textfile
// collector reads it: it throws on anything the collector would refuse, so a test that reads a
// textfile through it proves the file is valid.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  types: Record<string, string>;
  help: Record<string, string>;
  samples: Sample[];
}

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function parseExposition(text: string): Exposition {
  if (!text.endsWith("\n")) throw new Error("the text must end with a line feed");
  const out: Exposition = { types: {}, help: {}, samples: [] };
  const seen = new Set<string>();
  let current: string | undefined;
  for (const [i, line] of text.slice(0, -1).split("\n").entries()) {
    const at = `line ${i + 1}: ${line}`;
    const comment = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (comment) {
      const [, what, name, rest] = comment as unknown as [string, string, string, string];
      if (!metricName.test(name)) throw new Error(`${at}: bad metric name`);
      if (current !== name && seen.has(name)) throw new Error(`${at}: ${name} appears in two places`);
      current = name;
      seen.add(name);
      if (what === "TYPE") {
        if (out.types[name]) throw new Error(`${at}: second TYPE`);
        if (!["counter", "gauge", "histogram", "summary", "untyped"].includes(rest)) throw new Error(`${at}: bad type`);
        if (out.samples.some((s) => s.name === name)) throw new Error(`${at}: TYPE after samples`);
        out.types[name] = rest;
      } else {
        if (out.help[name] !== undefined) throw new Error(`${at}: second HELP`);
        if (/\\[^\\n]/.test(rest.replace(/\\\\/g, ""))) throw new Error(`${at}: bad escape in HELP`);
        out.help[name] = rest;
      }
      continue;
    }
    if (line.startsWith("#") || line === "") continue;
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) throw new Error(`${at}: not a sample`);
    const [, name, labelText, valueText] = sample as unknown as [string, string, string | undefined, string];
    if (name !== current) throw new Error(`${at}: sample outside its family`);
    const value = valueText === "+Inf" ? Infinity : valueText === "-Inf" ? -Infinity : Number(valueText);
    if (valueText !== "NaN" && Number.isNaN(value)) throw new Error(`${at}: bad value`);
    out.samples.push({ name, labels: parseLabels(labelText ?? "", at), value });
  }
  return out;
}

function parseLabels(text: string, at: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest !== "") {
    const m = /^([^=]+)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/.exec(rest);
    if (!m) throw new Error(`${at}: bad labels at ${rest}`);
    const [whole, name, raw] = m as unknown as [string, string, string];
    if (!labelName.test(name) || name in labels) throw new Error(`${at}: bad or repeated label ${name}`);
    labels[name] = raw.replace(/\\(["\\n])/g, (_, c: string) => (c === "n" ? "\n" : c));
    rest = rest.slice(whole.length);
  }
  return labels;
}

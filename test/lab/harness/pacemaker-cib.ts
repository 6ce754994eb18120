// The resources `aws-ha-gen pacemaker` renders as pcs commands, read back and written as CIB XML
// for cibadmin: pcs needs pcsd and a cluster it set up itself, the lab builds its cluster by hand.
// Reading the rendered script (rather than restating the resources) keeps the lab on the exact
// agent, parameters, timeouts and group an operator would get.

export interface PcsOperation {
  name: string;
  options: Record<string, string>;
}

export interface PcsResource {
  id: string;
  /** e.g. ocf:aws-ha:aws-ha */
  agent: string;
  params: Record<string, string>;
  operations: PcsOperation[];
  group?: string;
}

/** The script's `pcs resource create` commands, continuation lines joined. */
export function pcsResources(script: string): PcsResource[] {
  const commands = script
    .replace(/\\\n\s*/g, " ")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.startsWith("pcs resource create "));
  return commands.map(parseCreate);
}

/** The script's `pcs stonith create` commands, as primitives of class stonith. */
export function pcsStonithResources(script: string): PcsResource[] {
  return script
    .replace(/\\\n\s*/g, " ")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.startsWith("pcs stonith create "))
    .map(parseCreate)
    .map((r) => ({ ...r, agent: `stonith:${r.agent}` }));
}

/** The stonith devices the script creates, as `name agent`, for the scenario's report. */
export function pcsStonithDevices(script: string): string[] {
  return [...script.matchAll(/^pcs stonith create (\S+) (\S+)/gm)].map((m) => `${m[1]} ${m[2]}`);
}

function parseCreate(command: string): PcsResource {
  const words = command.split(/\s+/).slice(3);
  const [id, agent, ...rest] = words;
  if (!id || !agent) throw new Error(`cannot read the pcs command: ${command}`);
  const resource: PcsResource = { id, agent, params: {}, operations: [] };
  let operation: PcsOperation | undefined;
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i]!;
    if (word === "--group") {
      resource.group = rest[++i];
    } else if (word === "op") {
      operation = { name: rest[++i] ?? "", options: {} };
      resource.operations.push(operation);
    } else {
      const eq = word.indexOf("=");
      if (eq <= 0) throw new Error(`unexpected ${JSON.stringify(word)} in: ${command}`);
      // The shell's quotes around a value (pcmk_host_map="a:i-…;b:i-…") are not part of it.
      const [key, value] = [word.slice(0, eq), word.slice(eq + 1).replace(/^"(.*)"$/, "$1")];
      if (operation) operation.options[key] = value;
      else resource.params[key] = value;
    }
  }
  return resource;
}

/** One <group> (or lone <primitive>) per group, in the order the script creates them. */
export function resourcesXml(resources: readonly PcsResource[]): string[] {
  const groups = new Map<string, PcsResource[]>();
  const out: string[] = [];
  for (const r of resources) {
    if (!r.group) {
      out.push(primitiveXml(r));
      continue;
    }
    if (!groups.has(r.group)) groups.set(r.group, []);
    groups.get(r.group)!.push(r);
  }
  for (const [group, members] of groups) out.push(`<group id="${attr(group)}">${members.map(primitiveXml).join("")}</group>`);
  return out;
}

function primitiveXml(r: PcsResource): string {
  const [cls, provider, type] = r.agent.split(":");
  const stonith = cls === "stonith" && provider !== undefined && type === undefined;
  if (!stonith && (cls !== "ocf" || !provider || !type))
    throw new Error(`${r.id}: only ocf:provider:type and stonith:type agents are supported, not ${r.agent}`);
  const kind = stonith ? `class="stonith" type="${attr(provider)}"` : `class="ocf" provider="${attr(provider!)}" type="${attr(type!)}"`;
  const params = Object.entries(r.params)
    .map(([k, v]) => `<nvpair id="${attr(`${r.id}-${k}`)}" name="${attr(k)}" value="${attr(v)}"/>`)
    .join("");
  const ops = r.operations
    .map((op) => {
      const interval = op.options.interval ?? "0s";
      const extra = Object.entries(op.options)
        .filter(([k]) => k !== "interval")
        .map(([k, v]) => ` ${k}="${attr(v)}"`)
        .join("");
      return `<op id="${attr(`${r.id}-${op.name}-${interval}`)}" name="${attr(op.name)}" interval="${attr(interval)}"${extra}/>`;
    })
    .join("");
  return (
    `<primitive id="${attr(r.id)}" ${kind}>` +
    `<instance_attributes id="${attr(`${r.id}-params`)}">${params}</instance_attributes>` +
    `<operations>${ops}</operations></primitive>`
  );
}

function attr(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;");
}

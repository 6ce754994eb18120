import { AwsHaError } from "../errors";

// Pacemaker's pcmk_host_map spelling of "which instance is which node": `node:i-…;node2:i-…`.
// Pacemaker itself accepts `;`, `,` and blanks between entries and `:` or `=` inside one, so an
// operator can copy the map from the stonith device into the agent's own host_map unchanged.

/** An EC2 instance id as EC2 writes it: i- and 8 or 17 lower-case hex digits. */
export const instanceIdPattern = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;

export interface HostMapEntry {
  node: string;
  instanceId: string;
}

export function parseHostMap(text: string): HostMapEntry[] {
  const entries: HostMapEntry[] = [];
  for (const word of text.split(/[;,\s]+/).filter(Boolean)) {
    const at = word.search(/[:=]/);
    const node = at > 0 ? word.slice(0, at) : "";
    const instanceId = at > 0 ? word.slice(at + 1) : "";
    if (!node || !instanceIdPattern.test(instanceId))
      throw new AwsHaError("usage", `host_map entry ${JSON.stringify(word)} is not node:i-…`, {
        fix: "write the map as node1:i-0123456789abcdef0;node2:i-…",
      });
    if (entries.some((e) => e.node === node))
      throw new AwsHaError("usage", `host_map names node ${node} twice`, { fix: "give each node one instance" });
    entries.push({ node, instanceId });
  }
  return entries;
}

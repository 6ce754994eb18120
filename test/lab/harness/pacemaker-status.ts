// What `crm_mon --one-shot --output-as=xml` says about the cluster, reduced to what the scenarios
// wait on: a DC with quorum, the nodes online, and where each resource runs.

export interface PacemakerStatus {
  dc?: string;
  quorate: boolean;
  online: string[];
  /** Resource id → the nodes it is active on (empty while stopped). */
  running: Map<string, string[]>;
  /** Resource id → its role (Started, Stopped, Starting…). */
  roles: Map<string, string>;
}

export function parseCrmMon(xml: string): PacemakerStatus {
  const dcTag = /<current_dc\b[^>]*>/.exec(xml)?.[0] ?? "";
  const dc = /\bpresent="true"/.test(dcTag) ? attribute(dcTag, "name") : undefined;
  const nodesSection = /<nodes>([\s\S]*?)<\/nodes>/.exec(xml)?.[1] ?? "";
  const online = [...nodesSection.matchAll(/<node\b[^>]*>/g)]
    .map((m) => m[0])
    .filter((tag) => attribute(tag, "online") === "true")
    .map((tag) => attribute(tag, "name")!);
  const running = new Map<string, string[]>();
  const roles = new Map<string, string>();
  const resourcesSection = /<resources>([\s\S]*?)<\/resources>/.exec(xml)?.[1] ?? "";
  for (const m of resourcesSection.matchAll(/<resource\b([^>]*?)(\/>|>([\s\S]*?)<\/resource>)/g)) {
    const tag = m[1]!;
    const id = attribute(tag, "id")!;
    roles.set(id, attribute(tag, "role") ?? "");
    const on = attribute(tag, "active") === "true" ? [...(m[3] ?? "").matchAll(/<node\b[^>]*\bname="([^"]+)"/g)].map((n) => n[1]!) : [];
    running.set(id, on);
  }
  return { ...(dc ? { dc } : {}), quorate: attribute(dcTag, "with_quorum") === "true", online, running, roles };
}

/** The one node every listed resource runs on, or undefined while they are moving or split. */
export function nodeRunningAll(status: PacemakerStatus, ids: readonly string[]): string | undefined {
  const places = ids.map((id) => status.running.get(id) ?? []);
  const first = places[0];
  if (!first || first.length !== 1) return undefined;
  return places.every((p) => p.length === 1 && p[0] === first[0]) ? first[0] : undefined;
}

function attribute(tag: string, name: string): string | undefined {
  return new RegExp(`\\b${name}="([^"]*)"`).exec(tag)?.[1];
}

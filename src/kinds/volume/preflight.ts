import { stat } from "node:fs/promises";
import { errorText } from "../../log";
import type { Finding } from "../finding";
import type { PreflightContext } from "../preflight";
import type { VolumeSpec } from "./schema";

/** Per volume: in this node's AZ (EBS attaches only there), and how its block device will be found here. */
export async function volumePreflight(ctx: PreflightContext, volumes: readonly VolumeSpec[]): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const r of volumes) findings.push(...(await volumeFindings(ctx, r)));
  return findings;
}

async function volumeFindings({ ec2, host, identity, description: d }: PreflightContext, r: VolumeSpec): Promise<Finding[]> {
  const findings: Finding[] = [];
  const note = (verdict: Finding["verdict"], topic: string, message: string, kind?: string) =>
    findings.push({ verdict, topic, message, kind });
  try {
    const v = await ec2.describeVolume(r.volumeId);
    if (v.availabilityZone !== identity.availabilityZone)
      note(
        "fail",
        `volume ${r.name}`,
        `${r.volumeId} is in ${v.availabilityZone} but this node is in ${identity.availabilityZone}; EBS attaches only within one AZ`,
        "config",
      );
    else
      note(
        "ok",
        `volume ${r.name}`,
        `${r.volumeId} is ${v.state} in ${v.availabilityZone}${v.attachments.map((a) => `, ${a.state} to ${a.instanceId}`).join("")}`,
      );
    const mine = v.attachments.find((a) => a.instanceId === identity.instanceId);
    if (mine) {
      const dev = await host.findBlockDevice(r.volumeId, r.device, d.paths.byIdDir);
      note(
        dev ? "ok" : "fail",
        `device ${r.name}`,
        dev ? `attached here as ${dev}` : `attached here but no block device found under ${d.paths.byIdDir} or as ${r.device}`,
        dev ? undefined : "install",
      );
    } else {
      const byId = await stat(d.paths.byIdDir).catch(() => undefined);
      note(
        byId ? "ok" : "warn",
        `device ${r.name}`,
        byId
          ? `will be found by its NVMe serial under ${d.paths.byIdDir}`
          : `${d.paths.byIdDir} is missing: only the Xen name ${r.device} can be used`,
      );
    }
  } catch (e) {
    note("fail", `volume ${r.name}`, errorText(e), (e as { kind?: string }).kind);
  }
  return findings;
}

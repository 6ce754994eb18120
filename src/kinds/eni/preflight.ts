import { errorText } from "../../log";
import type { Finding } from "../finding";
import type { PreflightContext } from "../preflight";
import type { EniSpec } from "./schema";

/** Per ENI: in this node's AZ (an ENI attaches only there), not some instance's primary, and how it shows up here. */
export async function eniPreflight(ctx: PreflightContext, enis: readonly EniSpec[]): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const e of enis) findings.push(...(await eniFindings(ctx, e)));
  return findings;
}

async function eniFindings({ ec2, host, identity }: PreflightContext, spec: EniSpec): Promise<Finding[]> {
  const topic = `eni ${spec.name}`;
  const findings: Finding[] = [];
  const note = (verdict: Finding["verdict"], message: string, kind?: string, about = topic) =>
    findings.push({ verdict, topic: about, message, kind });
  try {
    const eni = await ec2.describeEni(spec.networkInterfaceId);
    const a = eni.attachment;
    if (eni.availabilityZone !== identity.availabilityZone)
      note(
        "fail",
        `${eni.networkInterfaceId} is in ${eni.availabilityZone} but this node is in ${identity.availabilityZone}; an ENI attaches only within its own AZ`,
        "config",
      );
    else if (a?.deviceIndex === 0)
      note("fail", `${eni.networkInterfaceId} is the primary interface of ${a.instanceId}, which never moves`, "config");
    else
      note(
        "ok",
        `${eni.networkInterfaceId} (${eni.macAddress}) is ${a ? `${a.state} to ${a.instanceId} as device ${a.deviceIndex}` : "available"} in ${eni.availabilityZone}`,
      );
    const links = await host.links();
    const link = links.find((l) => l.mac === eni.macAddress);
    const named = spec.interface === undefined ? undefined : links.find((l) => l.name === spec.interface);
    if (link && spec.interface !== undefined && link.name !== spec.interface)
      note("fail", `attached here as ${link.name}, not ${spec.interface} as the description says`, "config", `interface ${spec.name}`);
    else if (link) note("ok", `attached here as ${link.name} (${link.up ? "up" : "down"})`, undefined, `interface ${spec.name}`);
    else if (named)
      note(
        "fail",
        `${named.name} here is ${named.mac}, not ${eni.networkInterfaceId} (${eni.macAddress}): the ENI cannot appear under that name`,
        "config",
        `interface ${spec.name}`,
      );
    else note("ok", `will be found by its MAC ${eni.macAddress} once attached`, undefined, `interface ${spec.name}`);
  } catch (e) {
    note("fail", errorText(e), (e as { kind?: string }).kind);
  }
  return findings;
}

import { interfaceOn } from "../cluster/node-interfaces";
import { AwsHaError } from "../errors";
import { errorText } from "../log";
import type { Finding } from "./finding";
import { nicOf, type NodeNic } from "./node-nic";
import type { PreflightContext } from "./preflight";

// What `check` finds out about the node interfaces other than the first that resources name: the
// interface is on this machine, and its ENI is known (from the description or IMDS) and carries the
// interface's address. The first interface is the check's own "interface" line.

interface Checked {
  findings: Finding[];
  nic?: NodeNic;
}

// One check passes one context to every kind's preflight: an interface that a vip and an eip both
// name is looked at, and reported, once.
const checkedIn = new WeakMap<PreflightContext, Map<string, Promise<Checked>>>();

/**
 * Each named interface other than the first, with its ENI where it was found; the findings about
 * it only the first time one check asks.
 */
export async function otherInterfaces(
  ctx: PreflightContext,
  specs: readonly { interface?: string }[],
): Promise<{ findings: Finding[]; nics: NodeNic[] }> {
  const names = [
    ...new Set(specs.flatMap((s) => (s.interface !== undefined && interfaceOn(ctx.self, s.interface)?.index !== 0 ? [s.interface] : []))),
  ];
  let checked = checkedIn.get(ctx);
  if (!checked) checkedIn.set(ctx, (checked = new Map()));
  const findings: Finding[] = [];
  const nics: NodeNic[] = [];
  for (const name of names) {
    const earlier = checked.get(name);
    const now = earlier ?? checkInterface(ctx, name);
    if (!earlier) checked.set(name, now);
    const { findings: found, nic } = await now;
    if (!earlier) findings.push(...found);
    if (nic) nics.push(nic);
  }
  return { findings, nics };
}

async function checkInterface(ctx: PreflightContext, name: string): Promise<Checked> {
  const topic = `interface ${name}`;
  const failed = (e: unknown): Finding => ({
    verdict: "fail",
    topic,
    message: errorText(e),
    kind: e instanceof AwsHaError ? e.kind : undefined,
  });
  let nic: NodeNic;
  try {
    nic = await nicOf({ self: ctx.self, networkInterfaceId: ctx.eni, host: ctx.host, imds: ctx.imds }, name);
  } catch (e) {
    return { findings: [failed(e)] };
  }
  const address = interfaceOn(ctx.self, name)?.nic.address;
  try {
    const view = await ctx.ec2.describeInterface(nic.networkInterfaceId);
    if (address !== undefined && !view.privateIps.includes(address))
      return {
        nic,
        findings: [
          {
            verdict: "fail",
            topic,
            message: `${nic.networkInterfaceId} does not carry ${address}; correct nodes[].interfaces of ${ctx.self.name} (its address or networkInterfaceId)`,
            kind: "config",
          },
        ],
      };
    const carries = address !== undefined ? `, which carries ${address}` : "";
    return {
      nic,
      findings: [{ verdict: "ok", topic, message: `${name} is here, on ${nic.networkInterfaceId}${carries} in ${view.subnetId}` }],
    };
  } catch (e) {
    return { nic, findings: [failed(e)] };
  }
}

/** A kind's preflight for its resources' interfaces alone (vip, eip). */
export async function interfacePreflight(ctx: PreflightContext, specs: readonly { interface?: string }[]): Promise<Finding[]> {
  return (await otherInterfaces(ctx, specs)).findings;
}

import type { Finding } from "../finding";
import { otherInterfaces } from "../interface-preflight";
import type { PreflightContext } from "../preflight";
import type { RouteSpec } from "./schema";

/**
 * Routes need source/destination check off on the ENI they target (each interface's own ENI); the
 * first acquire turns it off, so it being on only warns.
 */
export async function routePreflight(ctx: PreflightContext, specs: readonly RouteSpec[]): Promise<Finding[]> {
  const findings: Finding[] = [];
  if (ctx.nic && specs.some((s) => s.interface === undefined || s.interface === ctx.self.interface))
    findings.push(sourceDestFinding(ctx.eni, ctx.nic.sourceDestCheck));
  const others = await otherInterfaces(ctx, specs);
  findings.push(...others.findings);
  for (const nic of others.nics) {
    try {
      const view = await ctx.ec2.describeInterface(nic.networkInterfaceId);
      findings.push(sourceDestFinding(nic.networkInterfaceId, view.sourceDestCheck, nic.name));
    } catch {
      // The interface's own line already says why EC2 would not describe it.
    }
  }
  return findings;
}

function sourceDestFinding(eni: string, on: boolean, iface?: string): Finding {
  const onIface = iface === undefined ? "" : ` (${iface})`;
  return {
    verdict: on ? "warn" : "ok",
    topic: "source/dest check",
    message: on
      ? `on for ${eni}${onIface}: the first acquire turns it off (routes need it off)`
      : `off${iface === undefined ? "" : ` for ${eni}${onIface}`}, as overlay routes need`,
  };
}

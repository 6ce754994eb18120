import type { CallLog } from "./call-log";
import type { Ec2Fault, Faults } from "./faults";
import { powerOn } from "./instance-lifecycle";
import type { Ec2World } from "./world";

// The stand-in's own API under /_standin/, for tests and the lab: read the world and the call log,
// inject and clear faults, and power an instance on again after a stop. JSON in, JSON out. It is
// not EC2, so it needs no credentials and never shows up in the call log.

export const controlPrefix = "/_standin/";

export interface ControlContext {
  world: Ec2World;
  faults: Faults;
  calls: CallLog;
}

export interface ControlAnswer {
  status: number;
  json: unknown;
}

export function control(method: string, url: URL, body: string, ctx: ControlContext): ControlAnswer {
  const path = url.pathname.slice(controlPrefix.length).replace(/\/+$/, "");
  const route = `${method} ${path}`;
  try {
    if (route === "GET health") return ok({ ok: true });
    if (route === "GET world") return ok(ctx.world.snapshot());
    if (route === "GET calls") return ok(ctx.calls.all(Number(url.searchParams.get("since") ?? 0)));
    if (route === "DELETE calls") return done(() => ctx.calls.clear());
    if (route === "GET faults") return ok(ctx.faults.state());
    if (route === "POST faults") {
      const parsed = JSON.parse(body) as Ec2Fault | Ec2Fault[];
      return done(() => (Array.isArray(parsed) ? parsed : [parsed]).forEach((f) => ctx.faults.inject(f)));
    }
    if (route === "DELETE faults") return done(() => ctx.faults.clear());
    const moveAddress = /^POST addresses\/([^/]+)\/associate$/.exec(route);
    if (moveAddress) return ok(associateByHand(ctx.world, decodeURIComponent(moveAddress[1]!), JSON.parse(body) as HandAssociation));
    const start = /^POST instances\/([^/]+)\/start$/.exec(route);
    if (start) {
      const instance = ctx.world.instances.get(decodeURIComponent(start[1]!));
      if (!instance) return { status: 404, json: { error: `no instance ${start[1]}` } };
      powerOn(ctx.world, instance);
      return ok({ instanceId: instance.instanceId, state: instance.state });
    }
    return { status: 404, json: { error: `no control route ${route}` } };
  } catch (e) {
    return { status: 400, json: { error: (e as Error).message } };
  }
}

const ok = (json: unknown): ControlAnswer => ({ status: 200, json });

function done(change: () => void): ControlAnswer {
  change();
  return { status: 200, json: { ok: true } };
}

interface HandAssociation {
  networkInterfaceId: string;
  privateIp: string;
}

/**
 * An operator re-associating an Elastic IP by hand (the console, another script): it moves without
 * any client's call, so a node that should hold it sees it drift away.
 */
function associateByHand(world: Ec2World, allocationId: string, to: HandAssociation): { associationId: string } {
  const address = world.address(allocationId);
  const eni = world.eni(to.networkInterfaceId);
  if (!eni.privateIps.includes(to.privateIp)) throw new Error(`${to.networkInterfaceId} has no private address ${to.privateIp}`);
  for (const other of world.addresses.values())
    if (
      other !== address &&
      other.association?.networkInterfaceId === eni.networkInterfaceId &&
      other.association.privateIp === to.privateIp
    )
      other.association = undefined;
  const associationId = world.newId("eipassoc");
  address.association = { associationId, networkInterfaceId: eni.networkInterfaceId, privateIp: to.privateIp };
  return { associationId };
}

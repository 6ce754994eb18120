import type { QueryRequest } from "./query";
import type { Ec2World } from "./world";

// One EC2 API action: whether EC2 accepts DryRun on it, and what it does to the world. `run`
// returns the response's inner XML or throws an Ec2Error.

export interface Ec2Action {
  /** Assign/UnassignPrivateIpAddresses have no DryRun parameter in EC2's model. */
  dryRun: boolean;
  run(world: Ec2World, request: QueryRequest): string;
}

export type ActionTable = Readonly<Record<string, Ec2Action>>;

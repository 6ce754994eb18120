import type { QueryRequest } from "./query";
import type { Ec2World } from "./world";

// One EC2 API action: whether EC2 accepts DryRun on it, what EC2 judges in a request before it
// answers the permission question, and what the action does to the world. `run` returns the
// response's inner XML or throws an Ec2Error.

export interface Ec2Action {
  /** Whether a successful call changes the world (every action but the Describe* queries). */
  mutates: boolean;
  /** Assign/UnassignPrivateIpAddresses have no DryRun parameter in EC2's model. */
  dryRun: boolean;
  /**
   * The request's own checks, made before the DryRun answer (and by default before the IAM decision,
   * see `requestChecks` in world-spec.ts): its parameters, the resources it names, and how those must
   * fit together. Throws an Ec2Error; changes nothing. Absent: every check of the action comes after
   * the permission answer, in `run`.
   */
  validate?(world: Ec2World, request: QueryRequest): unknown;
  run(world: Ec2World, request: QueryRequest): string;
}

export type ActionTable = Readonly<Record<string, Ec2Action>>;

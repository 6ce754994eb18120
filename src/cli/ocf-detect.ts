/**
 * Pacemaker sets OCF_RESOURCE_INSTANCE for OCF agents. OCF_ROOT alone does not decide it: Heartbeat
 * exports OCF_ROOT to its haresources scripts too, and those expect the init-style protocol.
 */
export function isOcfInvocation(env: NodeJS.ProcessEnv): boolean {
  return env.OCF_RESOURCE_INSTANCE !== undefined && env.OCF_RESOURCE_INSTANCE !== "";
}

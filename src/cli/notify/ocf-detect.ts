/**
 * Pacemaker sets OCF_RESOURCE_INSTANCE for OCF agents. OCF_ROOT alone does not decide it: Heartbeat
 * exports OCF_ROOT to its haresources scripts too, and those expect the init-style protocol.
 * `meta-data` is OCF's alone, and its callers (crm_resource --show-metadata, ocf-tester, pcs) may
 * not name an instance.
 */
export function isOcfInvocation(env: NodeJS.ProcessEnv, argv: readonly string[]): boolean {
  if (argv.length === 1 && argv[0] === "meta-data") return true;
  return env.OCF_RESOURCE_INSTANCE !== undefined && env.OCF_RESOURCE_INSTANCE !== "";
}

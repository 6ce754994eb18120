/**
 * The FIFO reader stays up as long as keepalived does, so it runs with the resident helper's V8 flags
 * (its systemd unit, src/gen/helper-unit.ts): --lite-mode (no optimising compiler: less code and heap)
 * and a 1 MiB young generation take its peak RSS from about 78 to 53 MiB (63 on the first start after
 * an upgrade, which compiles the bundle before V8's code cache for these flags exists), and its events
 * are no slower (measured by npm run bench). A shebang cannot pass them (Linux hands it one argument), so the
 * line starts node itself, found on PATH as the bundle's own `#!/usr/bin/env node` finds it.
 * keepalived's script security checks the first word, /usr/bin/env, which only root may change.
 */
export const residentNode = ["/usr/bin/env", "node", "--lite-mode", "--max-semi-space-size=1"] as const;

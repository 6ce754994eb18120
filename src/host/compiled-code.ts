// A built CLI keeps the code V8 compiled in a run for the next run (src/build/code-cache-bootstrap.ts),
// written when the process exits. keepalived SIGKILLs its FIFO reader, and the resident helper is
// stopped by a signal: a resident process never gets there, and each restart would compile the
// bundle from source again and every first event compile its code lazily. So a resident process
// asks for the write once it has run an event, when the cache holds what an event needs.

/** Writes this process's compiled code for the next start, if the start found none; once, and a no-op outside a built CLI. */
export function keepCompiledCode(): void {
  (globalThis as { __AWS_HA_KEEP_COMPILED_CODE__?: () => void }).__AWS_HA_KEEP_COMPILED_CODE__?.();
}

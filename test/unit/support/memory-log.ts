import { formatText, Logger, type LogRecord, type Sink } from "../../../src/log";

/** A logger whose lines a test can read back. */
export function memoryLog(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink: Sink = {
    write: (r: LogRecord) => void lines.push(formatText(r)),
    close: async () => undefined,
  };
  return { log: new Logger([sink]), lines };
}

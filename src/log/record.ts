// What one log line is before a sink writes it, and what a sink is.

export type Level = "debug" | "info" | "warn" | "error";
export type Fields = Record<string, string | number | boolean | undefined | null | string[]>;
export interface LogRecord {
  time: string;
  level: Level;
  msg: string;
  fields: Fields;
}

export interface Sink {
  write(record: LogRecord): void;
  close(): Promise<void>;
}

// The log every command writes: to stderr, and to syslog where the machine has one.

export { errorFields, errorText } from "./error-fields";
export { formatText } from "./format";
export { Logger } from "./logger";
export type { Fields, LogRecord, Sink } from "./record";
export { StreamSink, SyslogSink } from "./sinks";
export { escapeControls, oneLine, quoted } from "./text";

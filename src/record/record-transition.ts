import type { ClusterDescription } from "../cluster/schema";
import { errorFields, errorText, type Logger } from "../log";
import { openHistoryDir } from "./history-dir";
import { appendJournal } from "./journal";
import type { JournalEntry } from "./journal-entry";
import { journalLine } from "./journal-line";
import { readMetricsState, withEntry, writeMetricsState } from "./metrics-state";
import { renderTextfile, writeTextfile } from "./metrics-textfile";

/**
 * Leaves the record of one transition: its journal line and, when metrics.textfileDir is set, the
 * metrics textfile. The transition has happened whatever becomes of its record: a record that
 * cannot be written is a warning, never a failed transition (nor another exit code).
 */
export async function recordTransition(description: ClusterDescription, log: Logger, said: JournalEntry): Promise<void> {
  const entry = withoutSecrets(said, [description.keepalived?.authPass, description.heartbeat?.authKey]);
  let historyDir: string;
  try {
    historyDir = await openHistoryDir(description.paths.historyDir);
    appendJournal(historyDir, journalLine(entry));
  } catch (e) {
    log.warn(`the journal of transitions was not written: ${errorText(e)}`, errorFields(e));
    return;
  }
  const textfileDir = description.metrics?.textfileDir;
  if (textfileDir === undefined) return;
  try {
    const names = [...description.resources.map((r) => r.name), ...entry.steps.map((s) => s.name), ...entry.kept.map((k) => k.name)];
    const state = withEntry(readMetricsState(historyDir), entry, names);
    writeMetricsState(historyDir, state);
    writeTextfile(textfileDir, description.cluster, renderTextfile(state, { cluster: description.cluster, node: entry.node }));
  } catch (e) {
    log.warn(`the metrics textfile in ${textfileDir} was not written: ${errorText(e)}`, {
      ...errorFields(e),
      fix: "metrics.textfileDir must be an existing directory root may write to (node_exporter's --collector.textfile.directory)",
    });
  }
}

/**
 * The journal is readable by every user (0644), as the log is not: the description's secrets (the
 * VRRP pass, Heartbeat's key) are taken out of the texts that come from elsewhere, as the log does.
 */
function withoutSecrets(entry: JournalEntry, secrets: readonly (string | undefined)[]): JournalEntry {
  const known = secrets.filter((s): s is string => s !== undefined && s !== "");
  if (known.length === 0) return entry;
  const scrub = (text: string) => known.reduce((out, secret) => out.split(secret).join("[redacted]"), text);
  return {
    ...entry,
    ...(entry.error === undefined ? {} : { error: scrub(entry.error) }),
    steps: entry.steps.map((s) => (s.error === undefined ? s : { ...s, error: scrub(s.error) })),
  };
}

import { runSession } from "./session";

/**
 * Where a one-shot command's session (its log lines, its exit code) and its answer on stdout go:
 * this process's, or in the resident helper a caller's, whose lines travel back over the socket.
 */
export interface CallIo {
  open: typeof runSession;
  out: (text: string) => void;
}

export const thisProcessIo: CallIo = { open: runSession, out: (text) => void process.stdout.write(text) };

import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";
import { AwsHaError } from "../errors";

// A description (or the saved secrets) is a few kilobytes of text in a regular file. Anything else
// named by mistake or on purpose must be refused at once: a FIFO would block the read until a
// writer comes (keepalived's notify would hang), /dev/zero or a huge file would be read into
// memory until the process dies. The file is opened without blocking, then judged by what the open
// descriptor is (fstat: no window between looking and reading), and read no further than the cap.

/** 1 MiB: two hundred times the largest description seen in the field. */
export const maxDescriptionBytes = 1024 * 1024;

export interface BoundedRead {
  /** `the cluster description`, `the saved secrets`: how messages name the file. */
  what: string;
  maxBytes: number;
  /** What to do when the file is not a regular file or is too large. */
  fix: string;
}

/**
 * The text of a regular file of at most `maxBytes`. A failure to open or read throws the system's
 * error (with its `code`, for the caller to word); a file that is not regular or too large throws a
 * config error naming it.
 */
export function readBoundedText(path: string, limits: BoundedRead): string {
  return readBoundedFile(path, limits).text;
}

/** The same, with what the open descriptor was: to tell whether a path judged by name is the file read. */
export function readBoundedFile(path: string, limits: BoundedRead): { text: string; stats: Stats } {
  // O_NONBLOCK: opening a FIFO for reading waits for a writer otherwise. O_NOCTTY: a terminal
  // named by mistake must not become our controlling terminal.
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile())
      throw new AwsHaError("config", `${limits.what} ${path} is ${kindOf(stats)}, not a regular file`, { fix: limits.fix });
    const tooLarge = (size: string) =>
      new AwsHaError(
        "config",
        `${limits.what} ${path} is ${size}; aws-ha reads at most ${limits.maxBytes} bytes (${sizeText(limits.maxBytes)})`,
        {
          fix: limits.fix,
        },
      );
    if (stats.size > limits.maxBytes) throw tooLarge(`${stats.size} bytes`);
    // One byte more than allowed tells a file that grew past the cap since fstat from one that fits.
    const buffer = Buffer.allocUnsafe(limits.maxBytes + 1);
    let length = 0;
    while (length < buffer.length) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    if (length > limits.maxBytes) throw tooLarge(`more than ${limits.maxBytes} bytes`);
    return { text: buffer.toString("utf8", 0, length), stats };
  } finally {
    closeSync(fd);
  }
}

function kindOf(stats: Stats): string {
  if (stats.isFIFO()) return "a FIFO";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  if (stats.isDirectory()) return "a directory";
  if (stats.isSocket()) return "a socket";
  return "not a regular file";
}

function sizeText(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${Math.round(bytes / 1024)} KiB`;
}

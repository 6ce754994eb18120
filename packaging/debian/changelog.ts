// Debian wants every package to say what changed, in its changelog format (dpkg-parsechangelog
// reads it). aws-ha keeps no Debian-specific history: the entry records the release the package
// was built from. The version has no Debian revision, so the package is native and the file is
// changelog.gz (changelog.Debian.gz is for packages of someone else's upstream).

export interface ChangelogEntry {
  packageName: string;
  version: string;
  /** "Name <address>", as in the control file. */
  maintainer: string;
  /** When the release was made: the build's SOURCE_DATE_EPOCH. */
  date: Date;
}

export function renderChangelog(e: ChangelogEntry): string {
  return [
    `${e.packageName} (${e.version}) unstable; urgency=medium`,
    "",
    `  * Release ${e.version}: see /usr/share/doc/${e.packageName}/README.md.gz.`,
    "",
    ` -- ${e.maintainer}  ${rfc2822(e.date)}`,
    "",
  ].join("\n");
}

const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "Mon, 30 Nov 2026 15:04:23 +0000", the only date form the format accepts; always in UTC. */
function rfc2822(d: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  const time = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
  return `${days[d.getUTCDay()]}, ${two(d.getUTCDate())} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${time} +0000`;
}

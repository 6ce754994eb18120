import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { buildDeb } from "./build-deb";

// `npm run package:deb [-- --out DIR]`: builds out/aws-ha_VERSION_all.deb from the built bin/.
// Who maintains it and when it was released come from the environment Debian's tools read
// (DEBFULLNAME, DEBEMAIL, SOURCE_DATE_EPOCH), else from the checkout's last commit.

const { values } = parseArgs({ options: { out: { type: "string", default: "out" }, root: { type: "string", default: "." } } });
const repoRoot = resolve(values.root);

function lastCommit(format: string): string | undefined {
  try {
    const text = execFileSync("git", ["-C", repoRoot, "log", "-1", `--format=${format}`], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    return text.trim() || undefined;
  } catch {
    return undefined;
  }
}

function maintainer(): string {
  const { DEBFULLNAME: name, DEBEMAIL: email } = process.env;
  if (name && email) return `${name} <${email}>`;
  const author = lastCommit("%an <%ae>");
  if (author) return author;
  throw new Error("no maintainer: set DEBFULLNAME and DEBEMAIL (Debian's tools read them), or build from a git checkout");
}

function sourceDate(): Date {
  const epoch = process.env.SOURCE_DATE_EPOCH ?? lastCommit("%ct");
  return epoch && /^\d+$/.test(epoch) ? new Date(Number(epoch) * 1000) : new Date();
}

try {
  const built = buildDeb({ repoRoot, outDir: resolve(values.out), maintainer: maintainer(), sourceDate: sourceDate() });
  console.log(`${built.path} (${built.version}, ${built.bytes} bytes)`);
} catch (e) {
  console.error(`package:deb: ${(e as Error).message}`);
  process.exitCode = 1;
}

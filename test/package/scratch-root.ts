import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// The machine as dpkg sees it, in a private mount namespace whose changes end with it: /usr, /etc
// and /var are overlays of the real ones, writes going to a tmpfs. Inside, dpkg installs and purges
// for real against a copy of the machine's own database (so `Depends: nodejs` is judged by what is
// really installed), and the commands run from /usr/bin as an operator would run them; outside,
// neither the real database nor any real file changes. Root only (mount namespaces, overlayfs).
//
// Files the host writes below /usr, /etc or /var after the namespace is opened may not show inside:
// make what the commands read before opening it (or elsewhere).

/** The directories the package may touch; each is an overlay inside the namespace. */
export const overlaid = ["usr", "etc", "var"] as const;

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export class ScratchRoot {
  private constructor(
    /** Holds the namespace open: `sleep`, the process unshare started. */
    private readonly holder: ChildProcess,
    /** The tmpfs (inside the namespace) with one upper directory per overlaid directory. */
    readonly scratch: string,
  ) {}

  static async open(): Promise<ScratchRoot> {
    const scratch = mkdtempSync(join(tmpdir(), "aws-ha-scratch-root-"));
    const script = [
      "set -eu",
      'mount -t tmpfs -o mode=0700 aws-ha-scratch "$1"',
      ...overlaid.map(
        (d) => `mkdir "$1/${d}" "$1/${d}.work" && mount -t overlay overlay -o "lowerdir=/${d},upperdir=$1/${d},workdir=$1/${d}.work" /${d}`,
      ),
      "echo ready",
      "exec sleep 1800",
    ].join("\n");
    const holder = spawn("unshare", ["--mount", "--propagation", "private", "sh", "-c", script, "scratch-root", scratch], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let said = "";
    holder.stdout!.setEncoding("utf8").on("data", (s: string) => (said += s));
    holder.stderr!.setEncoding("utf8").on("data", (s: string) => (said += s));
    const ready = await new Promise<boolean>((resolve) => {
      const limit = setTimeout(() => resolve(false), 10_000);
      const poll = setInterval(() => {
        if (said.includes("ready")) finish(true);
      }, 20);
      const finish = (ok: boolean) => {
        clearTimeout(limit);
        clearInterval(poll);
        resolve(ok);
      };
      holder.once("exit", () => finish(false));
    });
    const root = new ScratchRoot(holder, scratch);
    if (!ready) {
      await root.close();
      throw new Error(`could not open a private mount namespace with overlays of /${overlaid.join(", /")}: ${said.trim()}`);
    }
    return root;
  }

  /** Runs argv inside the namespace with exactly `env`; killed after `timeoutMs`. */
  run(argv: readonly string[], env: NodeJS.ProcessEnv = { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" }, timeoutMs = 60_000): Promise<RunResult> {
    const child = spawn("nsenter", ["--target", String(this.holder.pid), "--mount", "--", ...argv], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
    const limit = setTimeout(() => child.pid !== undefined && process.kill(child.pid, "SIGKILL"), timeoutMs);
    return new Promise((resolve) => {
      child.once("close", (code) => {
        clearTimeout(limit);
        resolve({ code, stdout, stderr: stderr + (code === null ? `\n(killed after ${timeoutMs} ms)` : "") });
      });
    });
  }

  /**
   * What the namespace wrote below the overlaid directories: "f usr/bin/x", "l etc/…", "d …",
   * "c …" (a deletion), one per entry of the upper directories.
   */
  async writes(): Promise<string[]> {
    const listed = await this.run(["find", ...overlaid.map((d) => join(this.scratch, d)), "-mindepth", "1", "-printf", "%y %p\n"]);
    if (listed.code !== 0) throw new Error(`cannot list the scratch root: ${listed.stderr}`);
    return listed.stdout
      .split("\n")
      .filter(Boolean)
      .map((line) => line.replace(`${this.scratch}/`, ""));
  }

  /** Ends the namespace (its mounts go with its last process) and removes the empty mount point. */
  async close(): Promise<void> {
    if (this.holder.exitCode === null && this.holder.signalCode === null && this.holder.pid !== undefined) {
      const exited = new Promise((resolve) => this.holder.once("exit", resolve));
      process.kill(this.holder.pid, "SIGKILL");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    }
    rmdirSync(this.scratch);
  }
}

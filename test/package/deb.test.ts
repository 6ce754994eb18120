import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ids, resource } from "../integration/support/cluster-fixture";
import { startTwoNodeWorld, type TwoNodeWorld } from "../integration/support/two-node-world";
import { ScratchRoot } from "./scratch-root";

// The Debian package as an operator meets it: built by `npm run package:deb` from the built bin/,
// inspected, judged by lintian, then installed with dpkg into a scratch copy of this machine (a
// private mount namespace, see scratch-root.ts), used there — each command, the shipped example, the
// Heartbeat and OCF links, `check` against the EC2 and IMDS stand-ins — and purged, leaving nothing.

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const { version } = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string };
const commands = ["aws-ha-notify", "aws-ha-updateeip", "aws-ha-gen", "aws-ha-fence"];

const skip =
  process.getuid?.() !== 0
    ? "dpkg, lintian and the scratch root (a mount namespace with overlays) need root; run npm test as root (CI does)"
    : undefined;
if (skip) console.warn(`package (Debian): SKIPPED, ${skip}`);

/** Exactly what the package holds: type, path, mode, and where a link points. */
const expectedContents = [
  "d ./ 0755",
  "d ./etc/ 0755",
  "d ./etc/ha.d/ 0755",
  "d ./etc/ha.d/resource.d/ 0755",
  "l ./etc/ha.d/resource.d/aws-ha-notify 0777 -> /usr/bin/aws-ha-notify",
  "l ./etc/ha.d/resource.d/aws-ha-updateeip 0777 -> /usr/bin/aws-ha-updateeip",
  "d ./lib/ 0755",
  "d ./lib/systemd/ 0755",
  "d ./lib/systemd/system/ 0755",
  "- ./lib/systemd/system/aws-ha-notify.service 0644",
  "d ./usr/ 0755",
  "d ./usr/bin/ 0755",
  "- ./usr/bin/aws-ha-fence 0755",
  "- ./usr/bin/aws-ha-gen 0755",
  "- ./usr/bin/aws-ha-notify 0755",
  "- ./usr/bin/aws-ha-updateeip 0755",
  "d ./usr/lib/ 0755",
  "d ./usr/lib/ocf/ 0755",
  "d ./usr/lib/ocf/resource.d/ 0755",
  "d ./usr/lib/ocf/resource.d/aws-ha/ 0755",
  "l ./usr/lib/ocf/resource.d/aws-ha/aws-ha 0777 -> ../../../../bin/aws-ha-notify",
  "d ./usr/share/ 0755",
  "d ./usr/share/doc/ 0755",
  "d ./usr/share/doc/aws-ha/ 0755",
  "- ./usr/share/doc/aws-ha/README.md.gz 0644",
  "- ./usr/share/doc/aws-ha/changelog.gz 0644",
  "- ./usr/share/doc/aws-ha/copyright 0644",
  "d ./usr/share/doc/aws-ha/examples/ 0755",
  "- ./usr/share/doc/aws-ha/examples/cluster.yaml 0644",
  "d ./usr/share/lintian/ 0755",
  "d ./usr/share/lintian/overrides/ 0755",
  "- ./usr/share/lintian/overrides/aws-ha 0644",
  "d ./usr/share/man/ 0755",
  "d ./usr/share/man/man1/ 0755",
  "- ./usr/share/man/man1/aws-ha-fence.1.gz 0644",
  "- ./usr/share/man/man1/aws-ha-gen.1.gz 0644",
  "- ./usr/share/man/man1/aws-ha-notify.1.gz 0644",
  "- ./usr/share/man/man1/aws-ha-updateeip.1.gz 0644",
  "d ./usr/share/man/man8/ 0755",
  "l ./usr/share/man/man8/fence_aws_ha.8.gz 0777 -> ../man1/aws-ha-fence.1.gz",
  "d ./usr/sbin/ 0755",
  "l ./usr/sbin/fence_aws_ha 0777 -> ../bin/aws-ha-fence",
];

let outDir = "";
let deb = "";

beforeAll(() => {
  if (skip) return;
  for (const command of commands) {
    if (!existsSync(join(repoRoot, "bin", command))) throw new Error(`bin/${command} is not built: run npm run build`);
  }
  outDir = mkdtempSync(join(tmpdir(), "aws-ha-deb-test-"));
  // What `npm run package:deb` runs after building bin/.
  const built = spawnSync(process.execPath, [join(repoRoot, "packaging/debian/run.mjs"), "--out", outDir, "--root", repoRoot], {
    encoding: "utf8",
  });
  if (built.status !== 0) throw new Error(`npm run package:deb failed: ${built.stdout}${built.stderr}`);
  deb = join(outDir, `aws-ha_${version}_all.deb`);
  console.log(`package (Debian): ${deb}, ${lstatSync(deb).size} bytes`);
}, 120_000);

afterAll(() => {
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

describe.skipIf(skip !== undefined)("the package as built", () => {
  it("holds the four commands, a man page each, the documentation and the Heartbeat and OCF links, all root's", () => {
    const listing = execFileSync("dpkg-deb", ["--contents", deb], { encoding: "utf8" });
    const entries = listing
      .split("\n")
      .filter(Boolean)
      .map((line) => {
        const m = /^([-dl])([rwxst-]{9}) (\S+)\s+\d+ \S+ \S+ (\S+)(?: -> (\S+))?$/.exec(line);
        if (!m) throw new Error(`unexpected line in dpkg-deb --contents: ${line}`);
        expect(m[3], line).toBe("root/root");
        return `${m[1]} ${m[4]} ${octal(m[2]!)}${m[5] ? ` -> ${m[5]}` : ""}`;
      });
    expect(entries.sort()).toEqual([...expectedContents].sort());
  });

  it("is version package.json's, for every architecture, and needs Node.js 20 or later from Debian's nodejs", () => {
    const fields = execFileSync("dpkg-deb", ["--field", deb, "Package", "Version", "Architecture", "Depends"], { encoding: "utf8" });
    expect(fields).toBe(`Package: aws-ha\nVersion: ${version}\nArchitecture: all\nDepends: nodejs (>= 20)\n`);
  });

  it("ships the built bundles unchanged", () => {
    const x = mkdtempSync(join(tmpdir(), "aws-ha-deb-x-"));
    try {
      execFileSync("dpkg-deb", ["--extract", deb, x]);
      for (const command of commands)
        expect(readFileSync(join(x, "usr/bin", command)).equals(readFileSync(join(repoRoot, "bin", command))), command).toBe(true);
      expect(readFileSync(join(x, "usr/share/doc/aws-ha/examples/cluster.yaml"), "utf8")).toBe(
        readFileSync(join(repoRoot, "examples/cluster.yaml"), "utf8"),
      );
    } finally {
      rmSync(x, { recursive: true, force: true });
    }
  });

  it.each(commands)("%s(1) says what its --help says, in order, and man renders it without a warning", (command) => {
    const x = mkdtempSync(join(tmpdir(), "aws-ha-deb-man-"));
    try {
      execFileSync("dpkg-deb", ["--extract", deb, x]);
      const page = join(x, "usr/share/man/man1", `${command}.1.gz`);
      // Wide enough that no line is broken or hyphenated: the words come out as the help has them.
      const rendered = spawnSync("man", ["--warnings", "--local-file", page], {
        encoding: "utf8",
        env: { PATH: process.env.PATH, LC_ALL: "C.UTF-8", MANWIDTH: "400", MAN_KEEP_FORMATTING: "", MANPAGER: "cat", PAGER: "cat" },
      });
      expect(rendered.stderr).toBe("");
      expect(rendered.status).toBe(0);
      const helps = [helpOf(command, [])];
      if (command === "aws-ha-gen")
        for (const sub of ["init", "validate", "keepalived", "heartbeat", "iam-policy", "pacemaker", "all"])
          helps.push(helpOf(command, [sub]));
      const words = wordsOf(rendered.stdout);
      let from = 0;
      for (const help of helps) {
        for (const word of wordsOf(help).filter((w) => w !== "Usage")) {
          const at = words.indexOf(word, from);
          expect(at, `"${word}" of ${command} --help, after ${words.slice(Math.max(0, from - 8), from).join(" ")}`).toBeGreaterThanOrEqual(
            0,
          );
          from = at + 1;
        }
      }
      expect(rendered.stdout).toMatch(new RegExp(`^NAME\\n\\s+${command} - `, "m"));
    } finally {
      rmSync(x, { recursive: true, force: true });
    }
  });

  it("lintian finds nothing but the tag its overrides file explains", () => {
    const lintian = spawnSync("lintian", ["--version"], { encoding: "utf8" });
    if (lintian.error) throw new Error("lintian is not installed: apt-get install lintian (.ci/run installs it)");
    const judged = spawnSync("lintian", ["--pedantic", "-E", "--display-level", ">=pedantic", "--show-overrides", deb], {
      encoding: "utf8",
      timeout: 170_000,
    });
    const tags = judged.stdout.split("\n").filter((l) => /^[EWIPXCO]: /.test(l));
    expect(judged.status, judged.stdout + judged.stderr).toBe(0);
    expect(
      tags.filter((t) => !t.startsWith("O: ")),
      judged.stdout,
    ).toEqual([]);
    // The one override (packaging/debian/lintian-overrides) is still needed: it matches each command.
    // The line it names is wherever the bundle's text holds that fix, which moves with every build.
    const overridden = tags.map((t) => /^O: aws-ha: (\S+) .*\[(.+?)(?::\d+)?\]$/.exec(t)).map((m) => (m ? `${m[1]} [${m[2]}]` : "?"));
    // And the two about the resident helper's unit (no init.d script, no sandboxing), with their reasons.
    const helperUnit = "lib/systemd/system/aws-ha-notify.service";
    expect(overridden.sort()).toEqual(
      [
        ...commands.map((c) => `chown-with-dot [usr/bin/${c}]`),
        `package-supports-alternative-init-but-no-init.d-script [${helperUnit}]`,
        `systemd-service-file-missing-hardening-features [${helperUnit}]`,
      ].sort(),
    );
  }, 180_000);
});

describe.skipIf(skip !== undefined)("installed into a scratch copy of this machine, used, and purged", () => {
  let world: TwoNodeWorld | undefined;
  let root: ScratchRoot | undefined;
  const inside = (argv: string[], env?: NodeJS.ProcessEnv) => root!.run(argv, env);
  const plainEnv = { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", LC_ALL: "C.UTF-8" };

  beforeAll(async () => {
    // Made before the namespace opens: the world lives below /var/lib, which is overlaid inside.
    world = await startTwoNodeWorld({ resources: () => [resource.vip(), resource.eipOnPrimary()] });
    root = await ScratchRoot.open();
    // A machine that never had aws-ha: state an earlier run of the commands left here goes (inside only).
    const fresh = await root.run(["rm", "-rf", "/var/cache/aws-ha", "/var/lib/aws-ha"]);
    if (fresh.code !== 0) throw new Error(`cannot clear aws-ha's state in the scratch root: ${fresh.stderr}`);
  }, 60_000);

  afterAll(async () => {
    await root?.close();
    await world?.close();
  });

  it("dpkg installs it beside this machine's Node.js, and the machine's own database never hears of it", async () => {
    const installed = await inside(["dpkg", "--install", deb], plainEnv);
    expect(installed.code, installed.stdout + installed.stderr).toBe(0);
    const status = await inside(["dpkg-query", "--show", "--showformat=${Status} ${Version}", "aws-ha"], plainEnv);
    expect(status.stdout).toBe(`install ok installed ${version}`);
    expect(spawnSync("dpkg-query", ["--show", "aws-ha"]).status).not.toBe(0);
    expect(existsSync("/usr/bin/aws-ha-notify")).toBe(false);
  });

  it.each(commands)("%s --version answers from /usr/bin", async (command) => {
    const run = await inside([`/usr/bin/${command}`, "--version"], plainEnv);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe(version);
  });

  it("aws-ha-gen validate accepts the example shipped in the documentation", async () => {
    const run = await inside(["aws-ha-gen", "validate", "--cluster", "/usr/share/doc/aws-ha/examples/cluster.yaml"], plainEnv);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/valid — cluster db/);
  });

  it("aws-ha-notify check passes against the stand-ins, on node-a", async () => {
    const run = await inside(["aws-ha-notify", "check", "--cluster", world!.a.clusterFile], world!.a.envWith({ PATH: plainEnv.PATH }));
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^ok +identity: ${world!.a.instanceId} `, "m"));
    expect(run.stdout).toMatch(/^ok +permission: AssociateAddress web-eip allowed/m);
    expect(run.stdout).not.toMatch(/^FAIL/m);
  });

  it("Heartbeat's resource.d link runs aws-ha-updateeip: start moves the Elastic IP here, status then says running", async () => {
    // With the node's description, so that its lock lives in the node's run directory, not in /run.
    const resourceArgs = [`--cluster=${world!.a.clusterFile}`, ids.allocationId];
    const link = "/etc/ha.d/resource.d/aws-ha-updateeip";
    const env = world!.a.envWith({ PATH: plainEnv.PATH });
    const before = await inside([link, ...resourceArgs, "status"], env);
    expect(before.code, before.stdout + before.stderr).toBe(3);
    const started = await inside([link, ...resourceArgs, "start"], env);
    expect(started.code, started.stdout + started.stderr).toBe(0);
    expect(world!.association(ids.allocationId).networkInterfaceId).toBe(world!.a.networkInterfaceId);
    const after = await inside([link, ...resourceArgs, "status"], env);
    expect(after.code, after.stdout + after.stderr).toBe(0);
    expect(after.stdout).toMatch(/is running/);
  });

  it("the OCF link is the agent ocf:aws-ha:aws-ha: it prints its metadata", async () => {
    const run = await inside(["/usr/lib/ocf/resource.d/aws-ha/aws-ha", "meta-data"], plainEnv);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`<resource-agent name="aws-ha" version="${version.replace(/\./g, "\\.")}">`));
  });

  it("remove takes the commands and links and keeps the state they made; purge takes that too; nothing is left", async () => {
    // Run as root, the commands above kept their compiled code in /var/cache/aws-ha.
    const cached = (await root!.writes()).filter((entry) => entry.startsWith("f var/cache/aws-ha/"));
    expect(cached.length).toBeGreaterThan(0);
    const removed = await inside(["dpkg", "--remove", "aws-ha"], plainEnv);
    expect(removed.code, removed.stdout + removed.stderr).toBe(0);
    for (const path of ["/usr/bin/aws-ha-notify", "/etc/ha.d/resource.d/aws-ha-updateeip", "/usr/lib/ocf/resource.d/aws-ha/aws-ha"])
      expect((await inside(["test", "-e", path])).code, path).not.toBe(0);
    for (const entry of cached) expect((await inside(["test", "-f", `/${entry.slice(2)}`])).code, entry).toBe(0);

    const purged = await inside(["dpkg", "--purge", "aws-ha"], plainEnv);
    expect(purged.code, purged.stdout + purged.stderr).toBe(0);
    expect((await inside(["dpkg-query", "--show", "aws-ha"], plainEnv)).code).not.toBe(0);

    // What the namespace changed, the scenario's own world aside. Below /usr and /etc only
    // directories the overlay copied up (they exist on the machine) may remain; below /var only
    // dpkg's own bookkeeping and man-db's index, which its trigger rebuilt. A deletion ("c") of
    // aws-ha's state directories is purge removing what this machine already had there.
    const worldDir = world!.dir.slice(1);
    const writes = (await root!.writes()).filter((entry) => !`${entry.slice(2)}/`.startsWith(`${worldDir}/`));
    const left = writes.filter((entry) => {
      const [type, path] = [entry.slice(0, 1), entry.slice(2)];
      if (type === "d" && existsSync(`/${path}`) && lstatSync(`/${path}`).isDirectory()) return false;
      if (type === "c" && /^var\/(cache|lib)\/aws-ha$/.test(path)) return false;
      return !/^var\/(lib\/dpkg\/(?!info\/aws-ha\.)|log\/dpkg\.log$|cache\/man\/)/.test(path);
    });
    expect(left).toEqual([]);
    expect(writes.filter((entry) => entry.includes("aws-ha") && !entry.startsWith("c "))).toEqual([]);
  });
});

/** "rwxr-xr-x" → "0755". */
function octal(permissions: string): string {
  const bits = [...permissions].map((c) => (c === "-" ? 0 : 1));
  const digit = (i: number) => bits[i]! * 4 + bits[i + 1]! * 2 + bits[i + 2]!;
  return `0${digit(0)}${digit(3)}${digit(6)}`;
}

function helpOf(command: string, args: string[]): string {
  return execFileSync(process.execPath, [join(repoRoot, "bin", command), ...args, "--help"], {
    encoding: "utf8",
    env: { ...process.env, AWS_HA_CODE_CACHE: "off" },
  });
}

/** Words as a reader sees them: a heading's colon and the name line's dash are layout, not text. */
function wordsOf(text: string): string[] {
  return text
    .replace(/—/g, "-")
    .split(/\s+/)
    .map((w) => w.replace(/:$/, ""))
    .filter(Boolean);
}

import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { parseArgvOptions, parseStdinOptions, type FenceInvocation, type FenceRequest } from "../../../src/cli/fence/args";
import { fenceMetadata } from "../../../src/cli/fence/metadata";
import { fenceActions, parameters } from "../../../src/cli/fence/parameters";
import { AwsHaError } from "../../../src/errors";
import { fenceExitCodes } from "../../../src/exit-codes";
import { parseHostMap } from "../../../src/fence/host-map";
import { FenceTargets } from "../../../src/fence/targets";

// The fence-agents protocol as fence_aws_ha reads it: key=value lines from Pacemaker, flags from an
// operator, the node → instance map, and the metadata Pacemaker and pcs parse.

const requestOf = (invocation: FenceInvocation): FenceRequest & { warnings: string[] } => {
  if (invocation.kind !== "request") throw new Error(`expected a request, got ${invocation.kind}`);
  return { ...invocation.request, warnings: invocation.warnings };
};

const usageError = (f: () => unknown): AwsHaError => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(AwsHaError);
    expect((e as AwsHaError).kind).toBe("usage");
    return e as AwsHaError;
  }
  throw new Error("expected a usage error");
};

describe("fence_aws_ha reads Pacemaker's stdin", () => {
  it("takes the action, the plug and the agent's options as key=value lines", () => {
    const r = requestOf(
      parseStdinOptions("action=off\nplug=i-0a000000000000b02\nnodename=lab-b\nregion=eu-west-1\npower_timeout=90\ndelay=2\nverbose=1\n"),
    );
    expect(r).toMatchObject({
      action: "off",
      plug: "i-0a000000000000b02",
      nodename: "lab-b",
      region: "eu-west-1",
      powerTimeoutSeconds: 90,
      delaySeconds: 2,
      verbose: true,
      warnings: [],
    });
  });

  it("knows the old names: option= for the action, port= for the plug", () => {
    expect(requestOf(parseStdinOptions("option=status\nport=i-0a000000000000a01\n"))).toMatchObject({
      action: "status",
      plug: "i-0a000000000000a01",
    });
  });

  it("reboots when no action is given, as fence-agents do", () => {
    expect(requestOf(parseStdinOptions("plug=i-0a000000000000a01\n")).action).toBe("reboot");
  });

  it("warns about an unknown key and a line without '=', and goes on", () => {
    const r = requestOf(parseStdinOptions("# a comment\n\nsome garbage\npcmk_unknown=1\naction=status\nplug=i-0a000000000000a01\n"));
    expect(r.action).toBe("status");
    expect(r.warnings).toEqual([
      'ignoring stdin line 3: "some garbage" is no key=value pair',
      'ignoring unknown option "pcmk_unknown" (stdin line 4)',
    ]);
  });

  it("refuses an unknown action, listing the actions", () => {
    const e = usageError(() => parseStdinOptions("action=explode\n"));
    expect(e.describe()).toBe(`unknown action "explode"; use one of: ${fenceActions.join(", ")}`);
  });

  it("refuses a known key without its value, and a timeout that is no number of seconds", () => {
    expect(usageError(() => parseStdinOptions("action=off\nplug=\n")).describe()).toMatch(/^plug needs a value/);
    expect(usageError(() => parseStdinOptions("power_timeout=soon\n")).describe()).toMatch(/power_timeout="soon" is no number of seconds/);
    expect(requestOf(parseStdinOptions("power_timeout=60s\n")).powerTimeoutSeconds).toBe(60);
  });
});

describe("fence_aws_ha reads its command line", () => {
  it("takes long and short options, with the value after = or as the next word", () => {
    expect(
      requestOf(parseArgvOptions(["--action=off", "--plug", "i-0a000000000000b02", "--host-map", "a:i-0a000000000000a01"])),
    ).toMatchObject({
      action: "off",
      plug: "i-0a000000000000b02",
      hostMap: "a:i-0a000000000000a01",
    });
    expect(requestOf(parseArgvOptions(["-o", "status", "-n", "lab-b", "-v", "--power-timeout", "30"]))).toMatchObject({
      action: "status",
      plug: "lab-b",
      verbose: true,
      powerTimeoutSeconds: 30,
    });
  });

  it("answers --help and --version, and refuses an unknown flag or a flag without its value", () => {
    expect(parseArgvOptions(["--help"]).kind).toBe("help");
    expect(parseArgvOptions(["-V"]).kind).toBe("version");
    expect(usageError(() => parseArgvOptions(["--explode"])).describe()).toMatch(/unknown option "--explode"/);
    expect(usageError(() => parseArgvOptions(["--plug"])).describe()).toMatch(/--plug needs a value/);
    expect(usageError(() => parseArgvOptions(["-o", "dance"])).describe()).toMatch(/unknown action "dance"/);
  });
});

describe("which instance a node is", () => {
  const map = parseHostMap("lab-a:i-0a000000000000a01;lab-b=i-0a000000000000b02, lab-c:i-0a000000000000c03");
  const targets = new FenceTargets(map);

  it("reads pcmk_host_map's spelling: ; , or blanks between entries, : or = inside one", () => {
    expect(map).toEqual([
      { node: "lab-a", instanceId: "i-0a000000000000a01" },
      { node: "lab-b", instanceId: "i-0a000000000000b02" },
      { node: "lab-c", instanceId: "i-0a000000000000c03" },
    ]);
  });

  it("refuses an entry without an instance id, and a node named twice", () => {
    expect(usageError(() => parseHostMap("lab-a:i-0a000000000000a01;lab-b")).describe()).toMatch(/"lab-b" is not node:i-…/);
    expect(usageError(() => parseHostMap("lab-a:db-1")).describe()).toMatch(/"lab-a:db-1" is not node:i-…/);
    expect(usageError(() => parseHostMap("a:i-0a000000000000a01;a:i-0a000000000000b02")).describe()).toMatch(/names node a twice/);
  });

  it("finds the instance by node name or by id, Pacemaker's nodename when there is no plug", () => {
    expect(targets.resolve("lab-b", undefined)).toEqual({ node: "lab-b", instanceId: "i-0a000000000000b02" });
    expect(targets.resolve("i-0a000000000000c03", undefined)).toEqual({ node: "lab-c", instanceId: "i-0a000000000000c03" });
    expect(targets.resolve(undefined, "lab-a")).toEqual({ node: "lab-a", instanceId: "i-0a000000000000a01" });
  });

  it("fences only the cluster's instances when it knows them", () => {
    expect(usageError(() => targets.resolve("i-0fffffffffffffff9", undefined)).describe()).toMatch(
      /i-0fffffffffffffff9 is none of the cluster's nodes \(lab-a, lab-b, lab-c\)/,
    );
  });

  it("without a map, takes an instance id as it is and refuses a name", () => {
    const none = new FenceTargets([]);
    expect(none.resolve("i-0fffffffffffffff9", undefined)).toEqual({ instanceId: "i-0fffffffffffffff9" });
    expect(usageError(() => none.resolve("lab-a", undefined)).describe()).toMatch(/lab-a is no instance id, and there is no map/);
    expect(usageError(() => none.resolve(undefined, undefined)).describe()).toMatch(/no plug given/);
  });
});

describe("fence_aws_ha's metadata and exit codes", () => {
  const xml = fenceMetadata();

  it("is one resource-agent with every configurable parameter and every action", () => {
    expect(xml.startsWith(`<?xml version="1.0" ?>\n<resource-agent name="fence_aws_ha"`)).toBe(true);
    for (const p of parameters.filter((q) => !q.internal)) expect(xml).toContain(`<parameter name="${p.name}" `);
    expect(xml).not.toContain(`name="nodename"`);
    for (const a of fenceActions) expect(xml).toMatch(new RegExp(`<action name="${a}"`));
    // Pacemaker passes the instance from pcmk_host_map as plug because the metadata names it.
    expect(xml).toContain(`<parameter name="plug" unique="0" required="1" obsoletes="port">`);
  });

  it("is well-formed XML", () => {
    // Every element opened is closed, in order (the metadata has no text with '<').
    const stack: string[] = [];
    for (const [, close, name, selfClosing] of xml.replace(/<\?xml[^>]*\?>/, "").matchAll(/<(\/?)([a-z-]+)[^>]*?(\/?)>/g)) {
      if (close) expect(stack.pop()).toBe(name);
      else if (!selfClosing) stack.push(name!);
    }
    expect(stack).toEqual([]);
    const xmllint = spawnSync("xmllint", ["--noout", "-"], { input: xml, encoding: "utf8" });
    if (!xmllint.error) expect(xmllint.stderr).toBe("");
  });

  it("exits as fence-agents do: 0 done or on, 1 failed, 2 off", () => {
    expect(fenceExitCodes).toEqual({ success: 0, failed: 1, off: 2 });
  });
});

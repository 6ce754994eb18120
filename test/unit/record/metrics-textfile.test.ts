import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { emptyMetricsState, readMetricsState, withEntry, writeMetricsState } from "../../../src/record/metrics-state";
import { escapeLabel, renderTextfile, writeTextfile } from "../../../src/record/metrics-textfile";
import { couldNotRun, failedRelease, overtaken, takeover } from "./entries";
import { parseExposition, type Sample } from "./exposition";

// The textfile node_exporter's collector reads after each transition: valid exposition format,
// the last transition by direction, each resource's holding and last step, counters that carry
// over from one process to the next through the state file.

const who = { cluster: "web", node: "node-a" };
const names = ["web-vip", "web-eip", "announce", "overlay", "data"];
const value = (samples: Sample[], name: string, labels: Record<string, string>) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).map((s) => s.value);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "aws-ha-metrics-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("the metrics textfile", () => {
  it("after a takeover and a failed release: the last of each direction, who holds what, counters by kind", () => {
    let state = emptyMetricsState();
    for (const entry of [takeover, failedRelease, couldNotRun, overtaken]) state = withEntry(state, entry, names);

    const { types, help, samples } = parseExposition(renderTextfile(state, who));

    expect(types).toEqual({
      aws_ha_last_transition_timestamp_seconds: "gauge",
      aws_ha_last_transition_duration_seconds: "gauge",
      aws_ha_last_transition_success: "gauge",
      aws_ha_resource_held: "gauge",
      aws_ha_resource_last_step_duration_seconds: "gauge",
      aws_ha_transitions_total: "counter",
      aws_ha_transition_failures_total: "counter",
      aws_ha_steps_total: "counter",
      aws_ha_step_failures_total: "counter",
    });
    expect(Object.keys(help)).toEqual(Object.keys(types));
    // The acquire that could not run is the last acquire; the superseded release changed nothing.
    expect(value(samples, "aws_ha_last_transition_success", { direction: "acquire", event: "MASTER" })).toEqual([0]);
    expect(value(samples, "aws_ha_last_transition_duration_seconds", { direction: "acquire" })).toEqual([30.001]);
    expect(value(samples, "aws_ha_last_transition_timestamp_seconds", { direction: "release", event: "BACKUP" })).toEqual([
      Date.parse(failedRelease.time) / 1000,
    ]);
    expect(value(samples, "aws_ha_resource_held", { resource: "web-vip", kind: "vip" })).toEqual([0]);
    expect(value(samples, "aws_ha_resource_held", { resource: "data" })).toEqual([1]);
    expect(value(samples, "aws_ha_resource_held", { resource: "overlay" })).toEqual([1]);
    // A hook holds nothing: it has a last step but no holding.
    expect(value(samples, "aws_ha_resource_held", { resource: "announce" })).toEqual([]);
    expect(value(samples, "aws_ha_resource_last_step_duration_seconds", { resource: "data", action: "release" })).toEqual([4.9]);
    expect(value(samples, "aws_ha_transitions_total", { direction: "release", outcome: "superseded" })).toEqual([1]);
    expect(value(samples, "aws_ha_transition_failures_total", { direction: "acquire" })).toEqual([1]);
    expect(value(samples, "aws_ha_transition_failures_total", { direction: "release" })).toEqual([1]);
    expect(value(samples, "aws_ha_steps_total", { kind: "vip", action: "acquire" })).toEqual([1]);
    expect(value(samples, "aws_ha_step_failures_total", { kind: "volume", action: "release" })).toEqual([1]);
    for (const s of samples) expect(s.labels).toMatchObject(who);
  });

  it("escapes label values: a daemon's event word may hold quotes, backslashes and line feeds", () => {
    const odd = { ...takeover, event: 'say "hi"\\now\nthen' };
    const { samples } = parseExposition(renderTextfile(withEntry(emptyMetricsState(), odd, names), who));

    expect(escapeLabel('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
    expect(value(samples, "aws_ha_last_transition_success", { event: odd.event })).toEqual([1]);
  });

  it("forgets a resource no longer in the description", () => {
    const state = withEntry(withEntry(emptyMetricsState(), takeover, names), overtaken, ["web-vip"]);
    expect(Object.keys(state.resources)).toEqual(["web-vip"]);
  });

  it("is written at once, 0644, with no temporary file left for the collector to read", () => {
    const path = writeTextfile(dir, "web", renderTextfile(withEntry(emptyMetricsState(), takeover, names), who));

    expect(path).toBe(join(dir, "aws-ha-web.prom"));
    expect(readdirSync(dir)).toEqual(["aws-ha-web.prom"]);
    expect(statSync(path).mode & 0o7777).toBe(0o644);
    expect(parseExposition(readFileSync(path, "utf8")).samples.length).toBeGreaterThan(5);
  });
});

describe("the counters' state file", () => {
  it("carries the counters from one process to the next", () => {
    writeMetricsState(dir, withEntry(emptyMetricsState(), takeover, names));
    const next = withEntry(readMetricsState(dir), takeover, names);

    expect(next.transitions).toEqual({ acquire: { done: 2 } });
    expect(next.steps["vip acquire"]).toEqual({ total: 2, failed: 0 });
  });

  it("starts again when it is missing or unreadable (Prometheus reads the fall as a counter reset)", () => {
    expect(readMetricsState(dir)).toEqual(emptyMetricsState());
    writeFileSync(join(dir, "metrics-state.json"), "{not json");
    expect(readMetricsState(dir)).toEqual(emptyMetricsState());
  });
});

describe("the exposition reader these tests use", () => {
  it("refuses what node_exporter would refuse, so a textfile it reads is valid", () => {
    const family = "# HELP m a metric\n# TYPE m gauge\n";
    expect(() => parseExposition(`${family}m{a="x"} 1\n`)).not.toThrow();
    expect(() => parseExposition(`${family}m{a="x"} 1`)).toThrow(/line feed/);
    expect(() => parseExposition(`${family}m{a="x"y"} 1\n`)).toThrow(/bad labels/);
    expect(() => parseExposition(`${family}m{a="x",a="y"} 1\n`)).toThrow(/repeated label/);
    expect(() => parseExposition(`${family}n 1\n`)).toThrow(/outside its family/);
    expect(() => parseExposition(`${family}m one\n`)).toThrow(/bad value/);
    expect(() => parseExposition(`${family}# TYPE m counter\n`)).toThrow(/second TYPE/);
  });
});

import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { importsOf } from "./import-graph";

// The layers of src/, bottom to top (README → ARCHITECTURE.md). A file may import from its own layer
// or a lower one, never from a higher one: the vocabulary at the bottom, the description, the ports
// to the outside, the kinds, what runs a transition or a check, the generator, the session every
// front end shares, and the front ends at the top. The build tooling sits outside and above.
const layers: { name: string; holds: (path: string) => boolean }[] = [
  { name: "vocabulary", holds: (p) => /^src\/(errors|exit-codes|templates\.d)\.ts$|^src\/(log|time|platform)\//.test(p) },
  { name: "description", holds: (p) => /^src\/cluster\/|^src\/kinds\/[^/]+\/(schema|spec)\.ts$/.test(p) },
  { name: "ports", holds: (p) => /^src\/(cloud|host)\//.test(p) },
  { name: "kinds", holds: (p) => p.startsWith("src/kinds/") },
  { name: "fencing", holds: (p) => p.startsWith("src/fence/") },
  { name: "transition", holds: (p) => /^src\/(transition|check|record)\//.test(p) },
  { name: "generator", holds: (p) => p.startsWith("src/gen/") },
  { name: "session", holds: (p) => p.startsWith("src/session/") },
  { name: "front ends", holds: (p) => p.startsWith("src/cli/") },
  { name: "build", holds: (p) => p.startsWith("src/build/") },
];

const layerOf = (path: string): number => layers.findIndex((l) => l.holds(path));
const imports = importsOf(resolve(__dirname, "../../.."));

describe("the arrows of src/", () => {
  it("every source file belongs to a layer", () => {
    const files = [...new Set(imports.flatMap((i) => [i.from, i.to]))];
    expect(files.filter((f) => layerOf(f) < 0)).toEqual([]);
    expect(files.length).toBeGreaterThan(50);
  });

  it("no import points upward", () => {
    const upward = imports
      .filter((i) => layerOf(i.to) > layerOf(i.from))
      .map((i) => `${i.from} (${layers[layerOf(i.from)]!.name}) → ${i.to} (${layers[layerOf(i.to)]!.name})`);
    expect(upward).toEqual([]);
  });
});

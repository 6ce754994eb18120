import fc from "fast-check";
import { stringify as yamlStringify } from "yaml";

// Structure-aware mutations of a cluster description: start from a real one (the shipped example,
// or a scenario's own) and break it the ways operators and editors do — a key dropped, duplicated,
// misspelt or given the wrong type, a resource of the wrong kind, numbers out of range, unicode and
// control characters, deep nesting — then write it as YAML or JSON and break the text as well
// (duplicate keys, alias bombs, tags, truncation, BOMs, CRLF). Each mutation names its place by
// an index into the description's paths, so fast-check shrinks a failure to the fewest, smallest
// mutations that still fail.

export type Plain = null | boolean | number | string | Plain[] | { [key: string]: Plain };
type Path = (string | number)[];

export type ValueMutation =
  | { op: "drop"; at: number }
  | { op: "duplicate"; at: number }
  | { op: "replace"; at: number; value: Plain }
  | { op: "nest"; at: number; depth: number; asArray: boolean }
  | { op: "rename"; at: number; key: string }
  | { op: "copy"; at: number; to: number }
  | { op: "add"; at: number; key: string; value: Plain };

export type TextMutation =
  | { op: "duplicate-line"; at: number }
  | { op: "drop-line"; at: number }
  | { op: "insert"; at: number; text: string }
  | { op: "truncate"; at: number }
  | { op: "bom" }
  | { op: "crlf" }
  | { op: "tabs" };

export interface DescriptionCase {
  format: "yaml" | "json";
  value: Plain;
  mutations: ValueMutation[];
  textMutations: TextMutation[];
  text: string;
}

/** Long values cut to their ends, so that a failure report shows the mutations rather than pages of text. */
export function abbreviated(value: unknown, max = 160): string {
  const text =
    typeof value === "string"
      ? JSON.stringify(value)
      : (JSON.stringify(value, (_k, v: unknown) =>
          typeof v === "string" && v.length > max ? `${v.slice(0, max / 2)}…(${v.length} chars)` : v,
        ) ?? String(value));
  return text.length > max * 2 ? `${text.slice(0, max)} …(${text.length} chars)… ${text.slice(-max / 2)}` : text;
}

/** How a case prints in fast-check's report: the mutations that made it and the ends of its text. */
function withReport(c: DescriptionCase): DescriptionCase {
  return Object.assign(c, {
    [fc.toStringMethod]: () =>
      `{ format: ${c.format}, mutations: ${abbreviated(c.mutations)}, textMutations: ${abbreviated(c.textMutations)}, text: ${abbreviated(c.text, 300)} }`,
  });
}

/** Names and values from the description's own vocabulary, which is where near-misses come from. */
const domainWords = [
  "vip",
  "eip",
  "route",
  "volume",
  "service",
  "hook",
  "keepalived",
  "heartbeat",
  "pacemaker",
  "eth0",
  "db-a",
  "db-b",
  "10.0.1.11",
  "10.0.1.100",
  "10.0.1.256",
  "0.0.0.0",
  "255.255.255.255",
  "010.0.1.1",
  "::1",
  "i-0123456789abcdef0",
  "i-0123456789ABCDEF0",
  "eni-0123456789abcdef0",
  "eipalloc-0123456789abcdef0",
  "vol-0123456789abcdef0",
  "rtb-0123456789abcdef0",
  "i-",
  "eu-west-1",
  "us-east-1a",
  "/dev/sdf",
  "/dev/xvdz",
  "ext4",
  "btrfs",
  "relative/path",
  "/proc/self/aws-ha",
  "/dev/null/aws-ha",
  "aws-ha-fuzz-absent.service",
  "true",
  "yes",
  "null",
  "~",
  "0x10",
  "1e3",
  "",
  " ",
];

const domainKeys = [
  "cluster",
  "manager",
  "region",
  "nodes",
  "resources",
  "keepalived",
  "heartbeat",
  "fencing",
  "timeouts",
  "paths",
  "name",
  "address",
  "instanceId",
  "interface",
  "networkInterfaceId",
  "priority",
  "kind",
  "prefix",
  "release",
  "allocationId",
  "publicIp",
  "privateAddress",
  "routeTables",
  "volumeId",
  "device",
  "mountPoint",
  "fsType",
  "unit",
  "initScript",
  "acquire",
  "timeout",
  "__proto__",
  "constructor",
  "toString",
  "<<",
  "Name",
  "nodes ",
];

const numbers: Plain[] = [
  0,
  -0,
  1,
  -1,
  0.5,
  2,
  24,
  32,
  33,
  150,
  254,
  255,
  256,
  65535,
  65536,
  3600,
  3601,
  2 ** 31,
  2 ** 53 + 2,
  1e21,
  1e308,
  -1e308,
  Number.MIN_VALUE,
];

/** Any one value a mutation may put somewhere. */
export function plainValue(words: readonly string[] = []): fc.Arbitrary<Plain> {
  const leaf: fc.Arbitrary<Plain> = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom<Plain>(...domainWords, ...words) },
    { weight: 2, arbitrary: fc.constantFrom<Plain>(...numbers, true, false, null) },
    { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 24 }) },
    { weight: 1, arbitrary: fc.string({ unit: "binary-ascii", maxLength: 24 }) },
    { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 12 }) },
    { weight: 1, arbitrary: fc.double() },
    { weight: 1, arbitrary: fc.integer() },
    { weight: 1, arbitrary: fc.constant<Plain>("x".repeat(5_000)) },
  );
  return fc.oneof(
    { weight: 6, arbitrary: leaf },
    { weight: 1, arbitrary: fc.array(leaf, { maxLength: 4 }) },
    { weight: 1, arbitrary: fc.dictionary(fc.constantFrom(...domainKeys), leaf, { maxKeys: 3 }) },
  );
}

const key = fc.oneof(fc.constantFrom(...domainKeys), fc.string({ unit: "binary", minLength: 1, maxLength: 12 }));

export function valueMutation(words: readonly string[] = []): fc.Arbitrary<ValueMutation> {
  const at = fc.nat();
  return fc.oneof(
    fc.record({ op: fc.constant("drop" as const), at }),
    fc.record({ op: fc.constant("duplicate" as const), at }),
    fc.record({ op: fc.constant("replace" as const), at, value: plainValue(words) }),
    fc.record({ op: fc.constant("nest" as const), at, depth: fc.integer({ min: 1, max: 40 }), asArray: fc.boolean() }),
    fc.record({ op: fc.constant("rename" as const), at, key }),
    fc.record({ op: fc.constant("copy" as const), at, to: fc.nat() }),
    fc.record({ op: fc.constant("add" as const), at, key, value: plainValue(words) }),
  );
}

/** YAML's and JSON's own ways of going wrong, inserted as text. */
const textSnippets = [
  // Billion laughs: nine levels of nine aliases each would expand to 9^9 scalars.
  billionLaughs(),
  "x: &a [1, 2]\ny: *a\n",
  "<<: *missing\n",
  "<<: {cluster: other}\n",
  "cluster: !!binary aGVsbG8=\n",
  "cluster: !!js/function 'function () {}'\n",
  "nodes: !custom []\n",
  "? [complex, key]\n: value\n",
  "---\ncluster: second-document\n",
  "...\n",
  "%YAML 1.1\n---\n",
  "%TAG ! tag:example.com,2000:\n",
  "priority: 0o777\n",
  "priority: .inf\n",
  "priority: .nan\n",
  "priority: 123456789012345678901234567890\n",
  "priority: 1e400\n",
  "cluster: 2001-12-14t21:59:43.10-05:00\n",
  "\t",
  "\u0000",
  "\ufeff",
  "\u2028",
  '"\\ud800"',
  "{",
  "}",
  "[",
  "]",
  ",",
  "# comment\n",
  "/* comment */",
  '"cluster": "dup",',
  "[".repeat(1000) + "]".repeat(1000),
  "{a: ".repeat(300) + "1" + "}".repeat(300),
  "- ".repeat(300) + "x\n",
  "'unterminated\n",
  '"unterminated\n',
  "&anchor ",
  "*alias ",
  "|\n  block\n",
  ">-\n  folded\n",
];

export function billionLaughs(levels = 9): string {
  const names = "abcdefghijklmnop";
  let text = `${names[0]}: &${names[0]} [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n`;
  for (let i = 1; i < levels; i++) {
    const prev = names[i - 1]!;
    text += `${names[i]}: &${names[i]} [${Array.from({ length: 9 }, () => `*${prev}`).join(", ")}]\n`;
  }
  return text;
}

export const textMutation: fc.Arbitrary<TextMutation> = fc.oneof(
  fc.record({ op: fc.constant("duplicate-line" as const), at: fc.nat() }),
  fc.record({ op: fc.constant("drop-line" as const), at: fc.nat() }),
  fc.record({
    op: fc.constant("insert" as const),
    at: fc.nat(),
    text: fc.oneof(fc.constantFrom(...textSnippets), fc.string({ unit: "binary", maxLength: 8 })),
  }),
  fc.record({ op: fc.constant("truncate" as const), at: fc.nat() }),
  fc.constant({ op: "bom" as const }),
  fc.constant({ op: "crlf" as const }),
  fc.constant({ op: "tabs" as const }),
);

/** Every place in a value, the value itself first. */
function pathsOf(value: Plain, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((v, i) => pathsOf(v, [...prefix, i], out));
  else if (value !== null && typeof value === "object") for (const [k, v] of Object.entries(value)) pathsOf(v, [...prefix, k], out);
  return out;
}

function get(value: Plain, path: Path): Plain {
  let at: Plain = value;
  for (const part of path) at = (at as Record<string | number, Plain>)[part]!;
  return at;
}

function clone(value: Plain): Plain {
  return structuredClone(value);
}

/** Replaces the value at `path` (the root when empty) and returns the new root. */
function put(root: Plain, path: Path, replacement: Plain): Plain {
  if (path.length === 0) return replacement;
  const parent = get(root, path.slice(0, -1)) as Record<string | number, Plain>;
  // defineProperty rather than assignment: a key named __proto__ must stay an own key, as JSON.parse makes it.
  Object.defineProperty(parent, path.at(-1)!, { value: replacement, enumerable: true, writable: true, configurable: true });
  return root;
}

function nested(depth: number, asArray: boolean, inner: Plain): Plain {
  let v = inner;
  for (let i = 0; i < depth; i++) v = asArray ? [v] : { nested: v };
  return v;
}

export function applyValueMutations(base: Plain, mutations: readonly ValueMutation[]): Plain {
  let root = clone(base);
  for (const m of mutations) {
    const paths = pathsOf(root);
    const path = paths[m.at % paths.length]!;
    const parentPath = path.slice(0, -1);
    const parent = path.length > 0 ? get(root, parentPath) : undefined;
    const last = path.at(-1);
    switch (m.op) {
      case "drop":
        if (Array.isArray(parent)) parent.splice(last as number, 1);
        else if (parent !== null && typeof parent === "object") delete (parent as Record<string, Plain>)[last as string];
        else root = null;
        break;
      case "duplicate":
        if (Array.isArray(parent)) parent.splice(last as number, 0, clone(get(root, path)));
        else root = put(root, path, [clone(get(root, path)), clone(get(root, path))]);
        break;
      case "replace":
        root = put(root, path, clone(m.value));
        break;
      case "nest":
        root = put(root, path, nested(m.depth, m.asArray, clone(get(root, path))));
        break;
      case "rename":
        if (parent !== null && typeof parent === "object" && !Array.isArray(parent) && typeof last === "string") {
          const v = parent[last]!;
          delete parent[last];
          put(root, [...parentPath, m.key], v);
        }
        break;
      case "copy": {
        const to = paths[m.to % paths.length]!;
        root = put(root, to, clone(get(root, path)));
        break;
      }
      case "add": {
        const target = get(root, path);
        if (Array.isArray(target)) target.push(clone(m.value));
        else if (target !== null && typeof target === "object") put(root, [...path, m.key], clone(m.value));
        break;
      }
    }
  }
  return root;
}

export function applyTextMutations(text: string, mutations: readonly TextMutation[]): string {
  let out = text;
  for (const m of mutations) {
    const lines = out.split("\n");
    switch (m.op) {
      case "duplicate-line": {
        const i = m.at % lines.length;
        lines.splice(i, 0, lines[i]!);
        out = lines.join("\n");
        break;
      }
      case "drop-line":
        lines.splice(m.at % lines.length, 1);
        out = lines.join("\n");
        break;
      case "insert": {
        const i = m.at % (out.length + 1);
        out = out.slice(0, i) + m.text + out.slice(i);
        break;
      }
      case "truncate":
        out = out.slice(0, m.at % (out.length + 1));
        break;
      case "bom":
        out = `\ufeff${out}`;
        break;
      case "crlf":
        out = out.replace(/\n/g, "\r\n");
        break;
      case "tabs":
        out = out.replace(/^( {2})+/gm, (s) => "\t".repeat(s.length / 2));
        break;
    }
  }
  return out;
}

const yamlStyle = fc.record({
  defaultStringType: fc.constantFrom("PLAIN", "QUOTE_DOUBLE", "QUOTE_SINGLE", "BLOCK_LITERAL") as fc.Arbitrary<
    "PLAIN" | "QUOTE_DOUBLE" | "QUOTE_SINGLE" | "BLOCK_LITERAL"
  >,
  collectionStyle: fc.constantFrom("any", "block", "flow") as fc.Arbitrary<"any" | "block" | "flow">,
  indent: fc.constantFrom(2, 4),
});

/** A description: `base` mutated as a value, written as YAML or JSON, then (sometimes) mutated as text. */
export function describedCase(
  base: Plain,
  options: { words?: readonly string[]; format?: "yaml" | "json" } = {},
): fc.Arbitrary<DescriptionCase> {
  return fc
    .record({
      format: options.format ? fc.constant(options.format) : fc.constantFrom("yaml" as const, "json" as const),
      mutations: fc.array(valueMutation(options.words), { minLength: 0, maxLength: 4 }),
      textMutations: fc.oneof(
        { weight: 3, arbitrary: fc.constant<TextMutation[]>([]) },
        { weight: 1, arbitrary: fc.array(textMutation, { minLength: 1, maxLength: 3 }) },
      ),
      style: yamlStyle,
      jsonIndent: fc.constantFrom(0, 2),
    })
    .map(({ format, mutations, textMutations, style, jsonIndent }) => {
      const value = applyValueMutations(base, mutations);
      const plainText =
        format === "json" ? JSON.stringify(value, null, jsonIndent) : yamlStringify(value, { ...style, aliasDuplicateObjects: false });
      return withReport({ format, value, mutations, textMutations, text: applyTextMutations(plainText ?? "", textMutations) });
    });
}

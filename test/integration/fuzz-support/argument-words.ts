import fc from "fast-check";

// Argument lists built from the commands' real vocabulary (what keepalived, Heartbeat, Pacemaker
// and operators type) mixed with near-misses and junk: the places where a parser that is a little
// too forgiving does something an operator did not ask for.

export const keepalivedStates = ["MASTER", "BACKUP", "FAULT", "STOP", "DELETED"] as const;
/** keepalived's states and what each asks of this node. */
export const directionOfState: Record<(typeof keepalivedStates)[number], "acquire" | "release"> = {
  MASTER: "acquire",
  BACKUP: "release",
  FAULT: "release",
  STOP: "release",
  DELETED: "release",
};

const junkWords = [
  "",
  " ",
  "-",
  "--",
  "---",
  "-x",
  "--x",
  "=",
  "--=",
  "master ",
  " master",
  "MASTER\n",
  "stop\u0000",
  "st\u0000op",
  "\u001b[31mmaster",
  "--cluster\nINSTANCE",
  "ma\u0301ster",
  "ＭＡＳＴＥＲ",
  "master\u2028backup",
  "\ud800",
  "x".repeat(5_000),
];

export const notifyVocabulary = [
  "master",
  "backup",
  "fault",
  "stop",
  "start",
  "status",
  "monitor",
  "restart",
  "force-reload",
  "reload",
  "try-restart",
  "MASTER",
  "BACKUP",
  "FAULT",
  "STOP",
  "DELETED",
  "Master",
  "MASTER_RX_LOWER_PRI",
  "master_priority",
  "INSTANCE",
  "GROUP",
  "instance",
  "VI_1",
  '"VI_1"',
  'VI"1',
  "100",
  "-1",
  "0",
  "254",
  "1e3",
  "fifo",
  "show",
  "check",
  "history",
  "-n",
  "-n=5",
  "meta-data",
  "/run/keepalived.fifo",
  "relative.fifo",
  "--cluster",
  "--cluster=",
  "--cluster=/etc/aws-ha/cluster.yaml",
  "--clusterx=/etc/aws-ha/cluster.yaml",
  "--only",
  "--only=vip,eip",
  "--only=",
  "--only=,,",
  "--log-format",
  "--log-format=json",
  "--log-format=text",
  "--log-format=xml",
  "--dry-run",
  "--dry-run=false",
  "--json",
  "--verbose",
  "--help",
  "-h",
  "--version",
  "-v",
  ...junkWords,
];

export const updateEipVocabulary = [
  "start",
  "stop",
  "status",
  "monitor",
  "restart",
  "force-reload",
  "try-restart",
  "condrestart",
  "reload",
  "START",
  "eipalloc-0123456789abcdef0",
  "eipalloc-0123456789ABCDEF0",
  "eipalloc-",
  "eipalloc-0123456",
  "eipalloc-0123456789abcdef01234",
  "203.0.113.10",
  "10.0.1.100",
  "10.0.1.256",
  "010.0.1.1",
  "::1",
  "aws-ha-updateeip::eipalloc-0123456789abcdef0",
  "--release",
  "--releasex",
  "--cluster",
  "--cluster=",
  "--cluster=/etc/aws-ha/cluster.yaml",
  "--clusterx",
  "--clusterx=/etc/aws-ha/cluster.yaml",
  "--cluster-file=/etc/aws-ha/cluster.yaml",
  "--log-format",
  "--log-format=json",
  "--log-format=text",
  "--log-formats=json",
  "--log-format=xml",
  "--help",
  "-h",
  "--version",
  "-v",
  "-r",
  ...junkWords,
];

/** A word from the vocabulary, or now and then a random one (any code point, control characters included). */
export function word(vocabulary: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...vocabulary) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 12 }) },
    { weight: 1, arbitrary: fc.string({ unit: "binary-ascii", maxLength: 12 }) },
  );
}

export function argumentList(vocabulary: readonly string[], maxLength = 6): fc.Arbitrary<string[]> {
  return fc.array(word(vocabulary), { maxLength });
}

/** An instance or group name as keepalived's configuration can spell it: anything printable on one line. */
export const instanceName: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("VI_1", "VG_1", "db", 'say "hi"', '"', '""', "a b", "-x", "--dry-run", "INSTANCE", "GROUP", "MASTER", "ünïcødé", "名前"),
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 16 }),
);

/** What keepalived puts in the priority position: its number, and what a misconfigured or older one might put there. */
export const priorityWord: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: 0, max: 255 }).map(String),
  fc.constantFrom("-1", "0", "255", "256", "", "abc", "1.5", "+100", "0x10", "１００", "100 "),
);

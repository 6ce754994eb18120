// The words of `aws-ha-gen --help`: what each subcommand renders, and a worked example of each.
// yargs lays them out; they live here so the parser file stays about parsing.

export const genUsage = `aws-ha-gen — render the cluster daemons' configuration from the aws-ha cluster description:
keepalived.conf (unicast VRRP, notify hooks wired to aws-ha-notify, script security on), Heartbeat's
ha.cf / haresources / authkeys, the Pacemaker resources, and the least-privilege IAM policy.

Usage:
  aws-ha-gen init [--out FILE [--force]]
  aws-ha-gen validate [--cluster FILE]
  aws-ha-gen keepalived --node NAME [--cluster FILE] [--out FILE]
  aws-ha-gen heartbeat --node NAME --out DIR [--cluster FILE]
  aws-ha-gen iam-policy [--region R] [--account A] [--cluster FILE]
  aws-ha-gen pacemaker [--cluster FILE] [--region R] [--out FILE]
  aws-ha-gen all --out DIR [--cluster FILE] [--region R] [--account A]
  aws-ha-gen COMMAND --help     the options and examples of one command`;

export interface CommandHelp {
  synopsis: string;
  describe: string;
  examples: readonly [command: string, meaning: string][];
}

export const commandHelp = {
  init: {
    synopsis: "aws-ha-gen init [--out FILE [--force]]",
    describe: "write a commented example description (stdout, or --out FILE)",
    examples: [
      ["aws-ha-gen init --out cluster.yaml", "start a description from the example; edit it, then validate it"],
      ["aws-ha-gen init > cluster.yaml", "the same, through stdout"],
    ],
  },
  validate: {
    synopsis: "aws-ha-gen validate [--cluster FILE]",
    describe: "check a description strictly and write nothing",
    examples: [
      ["aws-ha-gen validate --cluster cluster.yaml", "prints a summary, or every problem with its place and exits 2"],
      ["AWS_HA_CLUSTER=/etc/aws-ha/cluster.yaml aws-ha-gen validate", "the description from the environment"],
    ],
  },
  keepalived: {
    synopsis: "aws-ha-gen keepalived --node NAME [--cluster FILE] [--out FILE]",
    describe: "print (or --out FILE) keepalived.conf for one node",
    examples: [
      ["aws-ha-gen keepalived --node lb-a --cluster cluster.yaml --out out/lb-a.conf", "the VRRP password is kept in out/.secrets.json"],
      ["aws-ha-gen keepalived --node lb-a > keepalived.conf", "to stdout: needs keepalived.authPass in the description (or VRRPv3)"],
    ],
  },
  heartbeat: {
    synopsis: "aws-ha-gen heartbeat --node NAME --out DIR [--cluster FILE]",
    describe: "write ha.cf, haresources and authkeys (mode 0600) for one node into DIR",
    examples: [["aws-ha-gen heartbeat --node hb-a --cluster cluster.yaml --out out/hb-a", "the key is kept in out/hb-a/.secrets.json"]],
  },
  "iam-policy": {
    synopsis: "aws-ha-gen iam-policy [--region R] [--account A] [--cluster FILE] [--role ARN [--trust]]",
    describe:
      "print the least-privilege IAM policy for the nodes' instance role; with --role, the policy of a role the description assumes (--trust: its trust policy)",
    examples: [
      ["aws-ha-gen iam-policy --region eu-west-1 --account 123456789012", "with real ARNs instead of '*'"],
      [
        "aws-ha-gen iam-policy --account 111122223333 --role arn:aws:iam::222233334444:role/dns --trust",
        "what the DNS account's role must trust",
      ],
    ],
  },
  pacemaker: {
    synopsis: "aws-ha-gen pacemaker [--cluster FILE] [--region R] [--out FILE] [--fence-agent fence_aws_ha|fence_aws]",
    describe: "print (or --out FILE) the pcs commands that create the Pacemaker resources and fencing",
    examples: [["aws-ha-gen pacemaker --cluster cluster.yaml --out pacemaker.sh", "run it once, on one node, when the cluster is up"]],
  },
  all: {
    synopsis: "aws-ha-gen all --out DIR [--cluster FILE] [--region R] [--account A]",
    describe: "write everything, one folder per node, plus the IAM policy and INSTALL.md",
    examples: [
      [
        "aws-ha-gen all --cluster cluster.yaml --out out",
        "out/<node>/keepalived.conf, ha.cf, haresources, authkeys, aws-ha-notify.service (the resident helper, for daemons that call once per event), iam-policy.json, INSTALL.md",
      ],
    ],
  },
} satisfies Record<string, CommandHelp>;

export type GenCommandName = keyof typeof commandHelp;

export const optionHelp = {
  cluster: "the cluster description (default: $AWS_HA_CLUSTER, else /etc/aws-ha/cluster.yaml)",
  nodeCluster:
    "where the description is installed on the nodes; the hooks pass it to aws-ha-notify (default: --cluster when absolute, else /etc/aws-ha/cluster.yaml)",
  secrets: "where generated secrets are kept (default: .secrets.json in the output directory)",
  node: "the node, by its name in the description",
  region: "region in the ARNs (default: the description's region, else '*')",
  account: "12-digit account id in the ARNs (default '*')",
  role: "a role the description assumes (assumeRole.roleArn): print its permissions policy instead of the nodes'",
  trust: "with --role: print the role's trust policy (the nodes' account, and the external id when set)",
  fenceAgent: "the stonith agent: aws-ha's own fence_aws_ha (default), or Debian's fence_aws",
};

export const genEpilogue = `The description is read and checked in full before anything is written; a problem prints every
place that is wrong and how to fix it, exits 2, and writes nothing. Output files are replaced all at
once or not at all.

Secrets (the VRRPv2 password, Heartbeat's key) come from the description, or are generated once and
kept in DIR/.secrets.json (mode 0600) so that re-running renders the same values. They appear only in
the rendered files, never in messages.

Exit codes: 0 done, 1 the output could not be written, 2 bad arguments or a bad description.
Documentation: README.md, sections "aws-ha-gen" and "The cluster description, key by key".`;

import { exitCodeHelp } from "../../exit-codes";

/** The forms the daemons and operators call it with; also printed after an argument error. */
export const notifyUsage = `Usage:
  keepalived (notify_master/notify_backup/notify_fault/notify_stop):
    aws-ha-notify master|backup|fault|stop [--cluster FILE]
  keepalived generic notify (keepalived appends the last four words):
    aws-ha-notify [--cluster FILE] INSTANCE|GROUP NAME STATE PRIORITY
  keepalived notify FIFO (vrrp_notify_fifo_script; keepalived appends the FIFO path):
    aws-ha-notify fifo [--cluster FILE] FIFO
  Heartbeat haresources / Pacemaker lsb: (the action comes last):
    aws-ha-notify [--cluster=FILE] start|stop|status|restart|force-reload
  Resident helper (optional; a systemd service, see "The resident helper" below):
    aws-ha-notify serve [--cluster FILE]
  Operators:
    aws-ha-notify show [--json]           who holds each resource now, and the last transition
    aws-ha-notify history [--json] [-n N] what the last N transitions did (default 20), newest last
    aws-ha-notify check                   preflight: identity, permissions, AZ/subnet fit, devices, scripts
    aws-ha-notify master --dry-run        print the plan for a transition and change nothing`;

export const notifyHelp = `aws-ha-notify — move this cluster's resources (VIPs, Elastic IPs, overlay routes, EBS volumes,
services) to or from this node when keepalived, Heartbeat or Pacemaker says it changed role.

${notifyUsage}

What each state does:
  master, start          acquire: VIPs, routes and volumes concurrently, each EIP after the VIP it
                         points at, hooks after them, services last
  backup, fault, stop    release in reverse: services stop first; a volume is unmounted and detached;
                         VIPs, EIPs and routes are given up only with release: true, and only while
                         this node still holds them (the new master takes them over anyway)
  status                 prints "aws-ha CLUSTER is running" (exit 0) when this node holds every
                         resource, else "aws-ha CLUSTER is stopped" (exit 3)

How the words are read:
  generic notify         the last four words are keepalived's, and the name among them is taken as
                         it is (quotes, spaces, anything); a priority that is not a number is logged
                         and the state still counts. Before them only options may come.
  init actions           only options may come before the action (haresources:
                         aws-ha-notify::--cluster=FILE); any other word there is a usage error.
  fifo                   the FIFO must exist and be a FIFO; a missing path, a file or a directory
                         is a usage error (exit 2). A FIFO line that cannot be read is logged and
                         skipped; the reader goes on.

Options:
  --cluster FILE         the cluster description (default: $AWS_HA_CLUSTER, else /etc/aws-ha/cluster.yaml)
  --only KIND|NAME,…     act on these resource kinds (vip, eip, route, volume, service, hook) or names
  --dry-run              inspect and print the plan; change nothing
  --json                 show, history: print JSON (history: the journal's lines as they are)
  -n N                   history: the newest N transitions (default 20)
  --log-format text|json log lines on stderr and syslog (default text)
  --verbose              also log debug lines on stderr
  -h, --help             this text
  --version              the version

Transitions on one node run one at a time; an event that a newer one overtook while it waited is
skipped. Every step is logged with its duration to syslog (tag aws-ha-notify) and stderr, because
keepalived gives notify scripts /dev/null. A stop continues in a detached process, so keepalived's
1-second kill of notify_stop cannot cut a volume release short.

The resident helper: keepalived without its notify FIFO, Heartbeat and Pacemaker start one
aws-ha-notify (or aws-ha-updateeip) per event, which pays Node's start and loading the whole
program each time.

"aws-ha-notify serve" (aws-ha-notify.service: the package's, or the one "aws-ha-gen all" writes
beside each node's files) stays up with the program loaded, this instance's identity read and the
EC2 connection open.

It listens on /run/aws-ha/notify.sock ($AWS_HA_HELPER_SOCKET): a socket only root can use, in a
directory only root can write (it refuses to serve from one that others can write). Enable it
with: systemctl enable --now aws-ha-notify.service

A transition (keepalived's words, start, stop), status, OCF start/stop/monitor, or
aws-ha-updateeip's start/stop/status first offers its event there, before loading anything else. The
helper runs it through the same code with the caller's description and parameters; the call
prints the helper's lines and exits with the code it would have given itself. The helper only
acts when asked (no drift repair) and logs to stderr.

The call does the event itself whenever the helper is absent, does not accept within 50 ms, is
busy (4 events at once), declines (other AWS_* or proxy variables than its own) or hangs up before
its last answer: a failover never depends on it, and the node's lock makes an event begun twice
harmless.

Each transition (not a --dry-run) appends one JSON line to paths.historyDir/journal.jsonl (default
/var/lib/aws-ha; kept to 1 MiB plus the one before, journal.jsonl.1): its event, outcome, duration
and every step. "history" prints it; a line that is not a journal entry is skipped with a note.
With metrics.textfileDir set in the description, each transition also rewrites
aws-ha-CLUSTER.prom there for node_exporter's textfile collector. Neither failing fails the event.

Examples:
  aws-ha-notify show
  aws-ha-notify history -n 5
  aws-ha-notify master --dry-run --cluster /etc/aws-ha/cluster.yaml
  aws-ha-notify --only volume,service backup

${exitCodeHelp}

Documentation: README.md (troubleshooting, IAM policy, the cluster description).`;

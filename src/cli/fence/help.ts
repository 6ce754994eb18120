import { fenceActions, parameters } from "./parameters";

export const fenceHelp = `aws-ha-fence — fence agent for AWS EC2 instances, installed for Pacemaker as fence_aws_ha

Pacemaker runs it as stonith:fence_aws_ha with key=value lines on stdin; by hand:

  fence_aws_ha --action off --plug i-0123456789abcdef0 [--region R]
  fence_aws_ha -o status -n db-2 --description /etc/aws-ha/cluster.yaml
  fence_aws_ha -o list --host-map "db-1:i-0123456789abcdef0;db-2:i-0fedcba9876543210"

Actions: ${fenceActions.join(", ")} (default reboot).
  off     StopInstances with Force, then wait until EC2 reports the instance stopped; an
          instance that is stopped (or terminated) already is success
  on      StartInstances, then wait until it runs
  reboot  off, then on; fenced once off succeeded (a failed on is logged as a warning)
  status  exit 0 running, 2 stopped, 1 neither (stopping, pending) or unknown
  list    one line per node of the map: node,instance
  monitor EC2 answers for the mapped instances (or DescribeInstances is allowed)

Options (on stdin as key=value, on the command line as --key value):
${parameters
  .filter((p) => !p.internal)
  .map((p) => `  ${`${p.short ? `-${p.short}, ` : ""}${p.getopt}`.padEnd(28)} ${p.shortdesc}${p.default ? ` (default ${p.default})` : ""}`)
  .join("\n")}
  -h, --help                   this text
  -V, --version                the version

Unknown stdin keys and lines without "=" are logged as warnings and skipped, as fence-agents do.
The EC2 endpoint and credentials are the AWS SDK's: AWS_ENDPOINT_URL_EC2 (a VPC endpoint), the
instance profile. Logs go to stderr and syslog.

Exit codes: 0 done (status: on), 1 failed (the message names the cause and the fix), 2 status: off.`;

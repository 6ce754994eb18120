import { exitCodeHelp } from "../../exit-codes";

export const updateEipHelp = `aws-ha-updateeip — the Heartbeat (haresources) and LSB resource for an Elastic IP.

Usage:
  aws-ha-updateeip [--release] [ALLOCATION_ID|PUBLIC_IP [PRIVATE_IP]] start|stop|status|restart|try-restart|force-reload

  In /etc/ha.d/haresources (Heartbeat splits on :: and puts the action last):
    hb-a aws-ha-updateeip::eipalloc-0123456789abcdef0::10.0.1.100
    hb-a aws-ha-updateeip::--release::eipalloc-0123456789abcdef0     (stop disassociates it)
  With no address it moves every Elastic IP of the cluster description.

Actions:
  start    associate the Elastic IP with this instance's ENI (the given private IP, else the node's
           address), with reassociation, and confirm it; already here: no change
  stop     change nothing in EC2 (the next owner takes the address over; releasing could strip it
           from the new owner) and exit 0; with --release, disassociate, but only while the
           association is still this instance's
  status   print "aws-ha-updateeip ADDRESS is running" and exit 0 when associated here, else
           "aws-ha-updateeip ADDRESS is stopped" and exit 3 (Heartbeat reads the text, LSB the code);
           "… status unknown" and exit 4 when IMDS or EC2 cannot tell
  restart, force-reload   stop, then start; try-restart: only where the address is held
  reload   not implemented (exit 3): an Elastic IP has nothing to reload

Options:
  --cluster FILE           the cluster description (default: $AWS_HA_CLUSTER, else /etc/aws-ha/cluster.yaml);
                           optional when an address is given
  --release                let stop disassociate the address (only while it is still ours)
  --log-format text|json   log lines on stderr and syslog
  -h, --help, --version

Link it where Heartbeat looks for resource scripts:
  ln -s /usr/local/bin/aws-ha-updateeip /etc/ha.d/resource.d/aws-ha-updateeip

start, stop and status are first offered to the resident helper (aws-ha-notify serve, see
aws-ha-notify --help) when one listens; without it, or when it does not answer within 50 ms, the
action runs in this process as always.

${exitCodeHelp}`;

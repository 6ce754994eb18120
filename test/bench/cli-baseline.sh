#!/bin/sh
# What a hand-written keepalived notify_master script does with the AWS CLI, one call after another:
# IMDSv2 with curl, then move the secondary IP with reassignment, look the Elastic IP up, and
# re-associate it. The bench points it at the stand-ins (IMDS_URL, EC2_URL) and times it.
set -eu
: "${IMDS_URL:?}" "${EC2_URL:?}" "${VIP:?}" "${ALLOCATION_ID:?}"

TOKEN=$(curl -sf -X PUT "$IMDS_URL/latest/api/token" -H "X-aws-ec2-metadata-token-ttl-seconds: 60")
meta() { curl -sf -H "X-aws-ec2-metadata-token: $TOKEN" "$IMDS_URL/latest/meta-data/$1"; }
INSTANCE_ID=$(meta instance-id)
MAC=$(meta mac)
ENI=$(meta "network/interfaces/macs/$MAC/interface-id")
echo "instance $INSTANCE_ID, interface $ENI"

aws ec2 assign-private-ip-addresses --endpoint-url "$EC2_URL" \
  --network-interface-id "$ENI" --private-ip-addresses "$VIP" --allow-reassignment
aws ec2 describe-addresses --endpoint-url "$EC2_URL" --allocation-ids "$ALLOCATION_ID" \
  --query 'Addresses[0].PublicIp' --output text
aws ec2 associate-address --endpoint-url "$EC2_URL" \
  --allocation-id "$ALLOCATION_ID" --network-interface-id "$ENI" --private-ip-address "$VIP" --allow-reassociation

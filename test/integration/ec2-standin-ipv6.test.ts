import {
  AssignIpv6AddressesCommand,
  CreateRouteCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  EC2Client,
  ReplaceRouteCommand,
  UnassignIpv6AddressesCommand,
} from "@aws-sdk/client-ec2";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startEc2Server, type Ec2Server } from "../support/ec2-standin/server";
import type { WorldSpec } from "../support/ec2-standin/world-spec";

// The EC2 stand-in's IPv6, judged by the real SDK over HTTP: no reassignment (an address on another
// ENI is refused and nothing changes), addresses only from the subnet's IPv6 block, the address
// filter that finds the holder, and IPv6 routes in their own parameter.

const region = "eu-west-1";
const a = { instance: "i-0a000000000000a01", eni: "eni-0a000000000000a01", ip: "10.0.1.11", ip6: "2001:db8:0:1::11" };
const b = { instance: "i-0b000000000000b02", eni: "eni-0b000000000000b02", ip: "10.0.1.12", ip6: "2001:db8:0:1::12" };
const c = { instance: "i-0c000000000000c03", eni: "eni-0c000000000000c03", ip: "10.0.2.13" };
const vip6 = "2001:db8:0:1::100";
const table = "rtb-0f000000000000001";
const overlay6 = "2001:db8:ff00::1/128";

const world = (): WorldSpec => ({
  region,
  subnets: [
    { subnetId: "subnet-0a1", cidr: "10.0.1.0/24", ipv6Cidr: "2001:db8:0:1::/64", availabilityZone: `${region}a` },
    { subnetId: "subnet-0b2", cidr: "10.0.2.0/24", availabilityZone: `${region}a` },
  ],
  instances: [{ instanceId: a.instance }, { instanceId: b.instance }, { instanceId: c.instance }],
  interfaces: [
    { networkInterfaceId: a.eni, subnetId: "subnet-0a1", privateIps: [a.ip], ipv6Addresses: [a.ip6], instanceId: a.instance },
    { networkInterfaceId: b.eni, subnetId: "subnet-0a1", privateIps: [b.ip], ipv6Addresses: [b.ip6, vip6], instanceId: b.instance },
    { networkInterfaceId: c.eni, subnetId: "subnet-0b2", privateIps: [c.ip], instanceId: c.instance },
  ],
  routeTables: [{ routeTableId: table }],
});

let server: Ec2Server;
let ec2: EC2Client;

beforeEach(async () => {
  server = await startEc2Server({ spec: world() });
  ec2 = new EC2Client({
    endpoint: server.url,
    region,
    credentials: { accessKeyId: "AKIDSTANDINTEST", secretAccessKey: "not-a-secret" },
    maxAttempts: 1,
  });
});
afterEach(async () => {
  ec2.destroy();
  await server.close();
});

const ipv6Of = async (eni: string) =>
  (await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eni] }))).NetworkInterfaces![0]!.Ipv6Addresses!.map(
    (p) => p.Ipv6Address,
  );

async function refusal(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  expect(error, "EC2 accepted the request").toBeDefined();
  return { name: error!.name, message: error!.message };
}

describe("IPv6 addresses (the IPv6 VIP)", () => {
  it("DescribeNetworkInterfaces answers each ENI's ipv6AddressesSet and finds the holder by the address filter", async () => {
    expect(await ipv6Of(b.eni)).toEqual([b.ip6, vip6]);
    const found = await ec2.send(
      new DescribeNetworkInterfacesCommand({ Filters: [{ Name: "ipv6-addresses.ipv6-address", Values: [vip6] }] }),
    );
    expect(found.NetworkInterfaces!.map((e) => e.NetworkInterfaceId)).toEqual([b.eni]);
  });

  it("an address another ENI carries is refused with InvalidIPAddress.InUse, and stays where it was", async () => {
    const error = await refusal(ec2.send(new AssignIpv6AddressesCommand({ NetworkInterfaceId: a.eni, Ipv6Addresses: [vip6] })));
    expect(error).toEqual({ name: "InvalidIPAddress.InUse", message: `Address ${vip6} is in use.` });
    expect(await ipv6Of(a.eni)).toEqual([a.ip6]);
    expect(await ipv6Of(b.eni)).toEqual([b.ip6, vip6]);
  });

  it("unassigned from its holder first, it can then be assigned (in any spelling) to the other ENI", async () => {
    const out = await ec2.send(new UnassignIpv6AddressesCommand({ NetworkInterfaceId: b.eni, Ipv6Addresses: [vip6] }));
    expect(out.UnassignedIpv6Addresses).toEqual([vip6]);
    await ec2.send(new AssignIpv6AddressesCommand({ NetworkInterfaceId: a.eni, Ipv6Addresses: ["2001:DB8:0:1:0:0:0:100"] }));
    expect(await ipv6Of(a.eni)).toEqual([a.ip6, vip6]);
    expect(await ipv6Of(b.eni)).toEqual([b.ip6]);
  });

  it("unassigning an address the ENI does not carry is refused as for IPv4", async () => {
    const error = await refusal(ec2.send(new UnassignIpv6AddressesCommand({ NetworkInterfaceId: a.eni, Ipv6Addresses: [vip6] })));
    expect(error).toEqual({
      name: "InvalidParameterValue",
      message: `Some of the specified addresses are not assigned to interface ${a.eni}`,
    });
  });

  it("an address outside the subnet's IPv6 block, or on a subnet without one, is refused", async () => {
    expect(
      (await refusal(ec2.send(new AssignIpv6AddressesCommand({ NetworkInterfaceId: a.eni, Ipv6Addresses: ["2001:db8:0:2::5"] })))).name,
    ).toBe("InvalidParameterValue");
    const none = await refusal(ec2.send(new AssignIpv6AddressesCommand({ NetworkInterfaceId: c.eni, Ipv6Addresses: ["2001:db8:0:1::5"] })));
    expect(none.message).toContain("has no IPv6 CIDR block");
    expect(server.world.snapshot().interfaces.find((e) => e.networkInterfaceId === c.eni)!.ipv6Addresses).toEqual([]);
  });
});

describe("IPv6 routes (the IPv6 overlay)", () => {
  it("CreateRoute and ReplaceRoute take DestinationIpv6CidrBlock, and DescribeRouteTables answers destinationIpv6CidrBlock", async () => {
    await ec2.send(new CreateRouteCommand({ RouteTableId: table, DestinationIpv6CidrBlock: overlay6, NetworkInterfaceId: b.eni }));
    await ec2.send(new ReplaceRouteCommand({ RouteTableId: table, DestinationIpv6CidrBlock: overlay6, NetworkInterfaceId: a.eni }));
    const routes = (await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [table] }))).RouteTables![0]!.Routes!;
    const route = routes.find((r) => r.DestinationIpv6CidrBlock === overlay6);
    expect(route).toMatchObject({ NetworkInterfaceId: a.eni, State: "active" });
    expect(route!.DestinationCidrBlock).toBeUndefined();
  });

  it("refuses an IPv6 destination with host bits", async () => {
    const error = await refusal(
      ec2.send(new CreateRouteCommand({ RouteTableId: table, DestinationIpv6CidrBlock: "2001:db8:ff00::1/64", NetworkInterfaceId: a.eni })),
    );
    expect(error.name).toBe("InvalidParameterValue");
  });
});

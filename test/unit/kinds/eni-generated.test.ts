import { describe, expect, it } from "vitest";
import { buildIamPolicy } from "../../../src/gen/iam-policy";
import { renderPacemaker } from "../../../src/gen/pacemaker";
import { links, setLinkUp } from "../../../src/host/links";
import type { CommandResult } from "../../../src/host/host-port";
import { a, b, clusterOf } from "../support/cluster";

// What a whole ENI adds outside its resource: the IAM policy's statement, its place and time in
// Pacemaker's group, and the host's view of interfaces through `ip -j link`.

const eniId = "eni-0abc000000000e001";
const eni = { kind: "eni", name: "appliance", networkInterfaceId: eniId, deviceIndex: 1 };

describe("the IAM policy for a whole ENI", () => {
  it("grants Attach and DetachNetworkInterface on the ENI and the nodes' instances only, and the describes it reads", () => {
    const policy = buildIamPolicy(clusterOf([eni], { region: "eu-west-1" }), { account: "123456789012" });

    expect(policy.Statement).toEqual([
      { Sid: "ReadClusterState", Effect: "Allow", Action: ["ec2:DescribeInstances", "ec2:DescribeNetworkInterfaces"], Resource: "*" },
      {
        Sid: "MoveNetworkInterfaces",
        Effect: "Allow",
        Action: ["ec2:AttachNetworkInterface", "ec2:DetachNetworkInterface"],
        Resource: [
          `arn:aws:ec2:eu-west-1:123456789012:network-interface/${eniId}`,
          `arn:aws:ec2:eu-west-1:123456789012:instance/${a.instanceId}`,
          `arn:aws:ec2:eu-west-1:123456789012:instance/${b.instanceId}`,
        ],
      },
    ]);
  });
});

describe("Pacemaker's group with a whole ENI", () => {
  it("starts it after the volume and before the addresses, with time to wait for the peer and attach", () => {
    const d = clusterOf(
      [
        { kind: "vip", name: "web-vip", address: "10.0.1.100", prefix: 24 },
        eni,
        { kind: "volume", name: "data", volumeId: "vol-0abc00000000000d1", mountPoint: "/srv/data" },
      ],
      {
        manager: "pacemaker",
        keepalived: undefined,
        region: "eu-west-1",
        fencing: { peerReleaseTimeout: 30 },
        timeouts: { transition: 60, eni: 40 },
      },
    );

    const script = renderPacemaker(d, { clusterPath: "/etc/aws-ha/cluster.yaml" });

    expect(script).toContain("data → appliance → web-vip");
    // peerReleaseTimeout + an attach and the interface's appearance, each up to timeouts.eni.
    expect(script).toMatch(/web-appliance[\s\S]*?op start timeout=110s op stop timeout=80s/);
  });
});

describe("interfaces through ip -j link", () => {
  const answer = (stdout: string, exitCode = 0, stderr = ""): CommandResult => ({ exitCode, stdout, stderr });

  it("reads each interface's name, MAC (lower case) and whether it is up, in the node's namespace", async () => {
    const argvs: string[][] = [];
    const exec = async (argv: readonly string[]) => {
      argvs.push([...argv]);
      return answer(
        JSON.stringify([
          { ifindex: 1, ifname: "lo", flags: ["LOOPBACK", "UP", "LOWER_UP"], address: "00:00:00:00:00:00" },
          { ifindex: 3, ifname: "ens6", flags: ["BROADCAST", "MULTICAST"], address: "0E:AA:BB:CC:DD:01" },
          { ifindex: 4, ifname: "tun0", flags: ["POINTOPOINT", "UP"] },
        ]),
      );
    };

    expect(await links({ exec, netns: "node-a" })).toEqual([
      { name: "lo", mac: "00:00:00:00:00:00", up: true },
      { name: "ens6", mac: "0e:aa:bb:cc:dd:01", up: false },
    ]);
    expect(argvs).toEqual([["ip", "-n", "node-a", "-j", "link", "show"]]);
  });

  it("an iproute2 without JSON output is a host error that says to install a newer one", async () => {
    const exec = async () => answer("1: lo: <LOOPBACK,UP> mtu 65536");
    await expect(links({ exec })).rejects.toMatchObject({ kind: "host", details: { fix: expect.stringContaining("iproute2") } });
  });

  it("brings an interface up or down by name, and says what ip printed when it cannot", async () => {
    const argvs: string[][] = [];
    const exec = async (argv: readonly string[]) => {
      argvs.push([...argv]);
      return argv.includes("ens9") ? answer("", 1, 'Cannot find device "ens9"') : answer("");
    };

    await setLinkUp({ exec }, "ens6", true);
    await setLinkUp({ exec }, "ens6", false);
    await expect(setLinkUp({ exec }, "ens9", true)).rejects.toMatchObject({
      kind: "host",
      message: expect.stringContaining('Cannot find device "ens9"'),
    });
    expect(argvs.slice(0, 2)).toEqual([
      ["ip", "link", "set", "dev", "ens6", "up"],
      ["ip", "link", "set", "dev", "ens6", "down"],
    ]);
  });
});

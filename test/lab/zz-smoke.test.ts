import { mkdtempSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { it, expect } from "vitest";
import { Teardown } from "./harness/teardown";
import { LabNetwork } from "./harness/network";
import { NodeMachine } from "./harness/node-machine";
import { NodeSyslog } from "./harness/node-syslog";
import { LoopVolume } from "./harness/loop-volume";
import { NodeKeepalived } from "./harness/keepalived";
import { waitFor } from "./harness/wait";

it("smoke", async () => {
  const t = new Teardown();
  try {
    const dir = mkdtempSync("/tmp/awsha-smoke-");
    const net = new LabNetwork({ runId: "sm", clusterPrefix: 24, cloudGateway: "10.231.2.1", cloudPrefix: 24 }, t);
    await net.createHub();
    const vol = await LoopVolume.create("vol-0a000000000000d01", dir, t);
    const nodes: NodeMachine[] = [];
    const logs: NodeSyslog[] = [];
    for (const [i, name] of ["lab-a", "lab-b"].entries()) {
      await net.addNode({ name, clusterInterface: "eth0", clusterAddress: `10.231.1.1${i + 1}`, cloudInterface: "eth1", cloudAddress: `10.231.2.1${i + 1}` });
      const ndir = join(dir, name);
      mkdirSync(ndir);
      const sys = await NodeSyslog.listen(join(ndir, "syslog.sock"), join(ndir, "syslog.log"));
      logs.push(sys);
      const m = new NodeMachine({ name, netns: net.namespaceOf(name), dir: ndir, mountPoints: ["/srv/data"], interfaces: [{ name: "eth0", keep: `10.231.1.1${i + 1}` }], byIdDir: "/dev/disk/by-id", blockDevices: [vol.device], syslogSocket: sys.socketPath }, t);
      await m.powerOn();
      nodes.push(m);
    }
    const a = nodes[0]!;
    console.log(await a.execOk(["sh", "-c", "uname -n; ls -la /dev /dev/disk/by-id /run; ping -c1 -W1 10.231.1.12; ping -c1 -W1 10.231.2.1; logger -t probe hello-from-a"]));
    await waitFor(() => logs[0]!.linesOf("probe").length > 0, { what: "syslog", timeoutMs: 3000 });
    console.log(logs[0]!.lines);
    console.log(a.mounts().filter((m) => m.mountPoint.startsWith("/srv") || m.mountPoint.startsWith("/dev")));
    const conf = (me: number, peer: number, prio: number) => `global_defs { router_id n${me} }\nvrrp_instance VI_1 {\n state BACKUP\n interface eth0\n virtual_router_id 51\n priority ${prio}\n advert_int 1\n unicast_src_ip 10.231.1.1${me}\n unicast_peer { 10.231.1.1${peer} }\n virtual_ipaddress { 10.231.1.100/24 dev eth0 }\n}\n`;
    writeFileSync(join(a.runDir, "ka.conf"), conf(1, 2, 150));
    writeFileSync(join(nodes[1]!.runDir, "ka.conf"), conf(2, 1, 100));
    const kas = nodes.map((n) => new NodeKeepalived(n, "/run/ka.conf", { PATH: process.env.PATH }));
    kas.forEach((k) => k.start());
    const t0 = Date.now();
    await waitFor(async () => (await net.addressesOn("lab-a", "eth0")).includes("10.231.1.100"), { what: "VIP on a", timeoutMs: 10000 });
    console.log("master after", Date.now() - t0, kas[0]!.pids());
    const killedAt = await kas[0]!.crash();
    await waitFor(async () => (await net.addressesOn("lab-b", "eth0")).includes("10.231.1.100"), { what: "VIP on b", timeoutMs: 10000 });
    console.log("b master after", Date.now() - killedAt);
    console.log(logs[1]!.lines.filter((l) => /MASTER/.test(l.message)).map((l) => `${l.at - killedAt} ${l.tag} ${l.message}`));
    await a.powerOff();
    console.log("a after power off", await net.addressesOn("lab-a", "eth0"), a.processes());
    expect(true).toBe(true);
  } finally {
    console.log(t.runAll());
  }
}, 60000);

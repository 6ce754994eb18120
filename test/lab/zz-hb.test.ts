import { mkdtempSync, writeFileSync, mkdirSync, chmodSync } from "node:fs";
import { join } from "node:path";
import { it } from "vitest";
import { Teardown } from "./harness/teardown";
import { LabNetwork } from "./harness/network";
import { NodeMachine } from "./harness/node-machine";
import { NodeSyslog } from "./harness/node-syslog";
import { NodeHeartbeat } from "./harness/heartbeat";
import { waitFor } from "./harness/wait";

it("hb smoke", async () => {
  const t = new Teardown();
  const logs: NodeSyslog[] = [];
  try {
    const dir = mkdtempSync("/tmp/awsha-smoke-");
    const net = new LabNetwork({ runId: "hb", clusterPrefix: 24, cloudGateway: "10.231.2.1", cloudPrefix: 24 }, t);
    await net.createHub();
    const hbs: NodeHeartbeat[] = [];
    const ms: NodeMachine[] = [];
    for (const [i, name] of ["lab-a", "lab-b"].entries()) {
      await net.addNode({ name, clusterInterface: "eth0", clusterAddress: `10.231.1.1${i + 1}`, cloudInterface: "cloud0", cloudAddress: `10.231.2.1${i + 1}` });
      const ndir = join(dir, name);
      mkdirSync(ndir);
      const sys = await NodeSyslog.listen(join(ndir, "syslog.sock"), join(ndir, "syslog.log"));
      logs.push(sys);
      const m = new NodeMachine({ name, netns: net.namespaceOf(name), dir: ndir, mountPoints: [], interfaces: [{ name: "eth0", keep: `10.231.1.1${i + 1}` }], byIdDir: "/dev/disk/by-id", blockDevices: [], syslogSocket: sys.socketPath }, t);
      await m.powerOn();
      ms.push(m);
      const r = join(ndir, "rendered");
      mkdirSync(r);
      writeFileSync(join(r, "ha.cf"), "logfacility daemon\nkeepalive 1\nwarntime 3\ndeadtime 5\ninitdead 10\nudpport 694\nucast eth0 10.231.1.11\nucast eth0 10.231.1.12\nauto_failback on\nnode lab-a\nnode lab-b\ncrm off\n");
      writeFileSync(join(r, "haresources"), "lab-a demo::alpha\n");
      writeFileSync(join(r, "authkeys"), "auth 1\n1 sha1 abcdefabcdefabcdef\n");
      mkdirSync(join(ndir, "run", "aws-ha-lab"), { recursive: true });
      writeFileSync(join(ndir, "run", "aws-ha-lab", "demo"), "#!/bin/sh\nlogger -t demo \"$*\"\nf=/run/demo.state\ncase \"$2\" in start) touch $f;; stop) rm -f $f;; status) [ -e $f ] && echo running || echo stopped;; esac\nexit 0\n");
      chmodSync(join(ndir, "run", "aws-ha-lab", "demo"), 0o755);
      const hb = new NodeHeartbeat(m, { PATH: process.env.PATH });
      await hb.install({ renderedDir: r, updateeipPath: "/run/aws-ha-lab/demo" });
      writeFileSync(join(ndir, "ha.d", "resource.d", "demo"), "#!/bin/sh\nexec /run/aws-ha-lab/demo \"$@\"\n", { mode: 0o755 });
      hbs.push(hb);
    }
    const t0 = Date.now();
    hbs.forEach((h) => h.start());
    await waitFor(() => logs[0]!.lines.some((l) => l.tag === "demo" && /start/.test(l.message)), { what: "demo start on a", timeoutMs: 40000, intervalMs: 200 });
    console.log("a started after", Date.now() - t0);
    const k = Date.now();
    await ms[0]!.powerOff();
    await waitFor(() => logs[1]!.lines.some((l) => l.tag === "demo" && /start/.test(l.message)), { what: "demo start on b", timeoutMs: 40000, intervalMs: 100 });
    console.log("b took over after", Date.now() - k);
    console.log(logs[1]!.lines.filter((l) => l.at >= k).map((l) => `${l.at - k} ${l.tag}: ${l.message}`).join("\n"));
  } finally {
    logs.forEach((l) => l.close());
    console.log(t.runAll());
  }
}, 120000);

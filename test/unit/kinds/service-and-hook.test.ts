import { describe, expect, it } from "vitest";
import type { HookSpec } from "../../../src/kinds/hook/schema";
import type { ServiceSpec } from "../../../src/kinds/service/schema";
import { HookResource } from "../../../src/kinds/hook/resource";
import { ServiceResource } from "../../../src/kinds/service/resource";
import { a, clusterOf, onNode, transition, twoNodeEc2 } from "../support/cluster";

describe("a service", () => {
  const description = clusterOf([
    { kind: "service", name: "nginx", unit: "nginx.service" },
    { kind: "service", name: "legacy", initScript: "/etc/init.d/legacy" },
  ]);
  const [unit, script] = description.resources.map((spec) => new ServiceResource(spec as ServiceSpec));

  it("is held while active; acquire starts it once, release stops it once", async () => {
    const { ctx, host } = onNode(a, description, twoNodeEc2());
    expect((await transition(unit!, ctx, "acquire")).before).toEqual({ held: false, detail: "nginx.service inactive" });
    expect((await transition(unit!, ctx, "acquire")).outcome).toBe("unchanged");
    expect(await unit!.inspect(ctx)).toEqual({ held: true, detail: "nginx.service active" });
    await transition(unit!, ctx, "release");
    expect((await transition(unit!, ctx, "release")).outcome).toBe("unchanged");
    expect(host.calls).toEqual(["startService nginx.service", "stopService nginx.service"]);
  });

  it("an init script is started and stopped by its path", async () => {
    const { ctx, host } = onNode(a, description, twoNodeEc2());
    await transition(script!, ctx, "acquire");
    expect(host.calls).toEqual(["startService /etc/init.d/legacy"]);
  });
});

describe("a hook", () => {
  const description = clusterOf([
    { kind: "hook", name: "promote", acquire: ["/usr/bin/redis-cli", "replicaof", "no", "one"], timeout: 10 },
  ]);
  const hook = new HookResource(description.resources[0] as HookSpec);

  it("runs on every transition, with its timeout", async () => {
    const { ctx, host } = onNode(a, description, twoNodeEc2());
    expect(await hook.inspect()).toEqual({ held: false, detail: "runs on every transition" });
    expect((await transition(hook, ctx, "acquire")).outcome).toBe("changed");
    expect(host.calls).toEqual(["run /usr/bin/redis-cli replicaof no one (10 s)"]);
  });

  it("a phase it does not have is unchanged, and runs nothing", async () => {
    const { ctx, host } = onNode(a, description, twoNodeEc2());
    expect((await transition(hook, ctx, "release")).outcome).toBe("unchanged");
    expect(host.calls).toEqual([]);
  });

  it("a non-zero exit fails with the exit code and the last line it wrote to stderr", async () => {
    const { ctx } = onNode(a, description, twoNodeEc2(), {
      commands: {
        "/usr/bin/redis-cli": {
          exitCode: 1,
          stdout: "",
          stderr: "connecting…\nCould not connect to Redis at 127.0.0.1:6379: Connection refused\n",
        },
      },
    });
    await expect(transition(hook, ctx, "acquire")).rejects.toMatchObject({
      kind: "host",
      message: "/usr/bin/redis-cli exited 1: Could not connect to Redis at 127.0.0.1:6379: Connection refused",
    });
  });
});

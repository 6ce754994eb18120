import { readFileSync } from "node:fs";
import { startEc2Server } from "../ec2-standin/server";
import type { WorldSpec } from "../ec2-standin/world-spec";
import { closeOnSignal, parseArgs, port } from "./args";

// The EC2 stand-in as its own process, for the lab: it runs inside the lab's hub namespace and
// serves the nodes over the lab's cloud network, and the lab itself over the control socket.

const usage = "ec2-main --listen ADDR --port N --spec WORLD.json [--control-socket PATH]";

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), { listen: "127.0.0.1", port: "0", spec: undefined, "control-socket": "" }, usage);
  const spec = JSON.parse(readFileSync(args.spec!, "utf8")) as WorldSpec;
  const server = await startEc2Server({
    spec,
    host: args.listen!,
    port: port(args.port!, usage),
    ...(args["control-socket"] ? { controlSocket: args["control-socket"] } : {}),
  });
  process.stdout.write(`EC2 stand-in listening on ${server.url}${args["control-socket"] ? ` and ${args["control-socket"]}` : ""}\n`);
  closeOnSignal(() => server.close());
}

main().catch((e: unknown) => {
  process.stderr.write(`EC2 stand-in failed to start: ${(e as Error).message}\n`);
  process.exit(1);
});

import { remoteWorld } from "../imds-standin/remote-world";
import { startImdsServer } from "../imds-standin/server";
import { closeOnSignal, parseArgs, port } from "./args";

// One instance's IMDS as its own process, for the lab: it runs inside the node's namespaces and
// reads the world from the EC2 stand-in's control API.

const usage = "imds-main --listen ADDR --port N --ec2 URL --instance ID";

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), { listen: "127.0.0.1", port: undefined, ec2: undefined, instance: undefined }, usage);
  const server = await startImdsServer({
    instanceId: args.instance!,
    world: remoteWorld(args.ec2!),
    host: args.listen!,
    port: port(args.port!, usage),
  });
  process.stdout.write(`IMDS stand-in for ${args.instance} listening on ${server.url}, world from ${args.ec2}\n`);
  closeOnSignal(() => server.close());
}

main().catch((e: unknown) => {
  process.stderr.write(`IMDS stand-in failed to start: ${(e as Error).message}\n`);
  process.exit(1);
});

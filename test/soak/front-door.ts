import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { NodeLetter } from "./schedule";

// The SDK reads its endpoint (AWS_ENDPOINT_URL_EC2) from the environment when it sends, so all the
// clients in this process talk to one URL. Soak lanes run side by side, each with its own EC2
// stand-in; this loopback front door passes every request on to the stand-in of the lane whose
// access key signed it. Keys look like AKIASOAKLANE0003A: lane 3, node A.

export const accessKeyFor = (lane: number, node: string): string => `AKIASOAKLANE${String(lane).padStart(4, "0")}${node}`;
/** The node whose soak access key a caller (the stand-in's principal, which ends in the key) names. */
export const nodeSigning = (caller: string | undefined): NodeLetter | undefined =>
  /AKIASOAKLANE\d{4}([A-C])$/.exec(caller ?? "")?.[1] as NodeLetter | undefined;
const laneOf = (authorization: string | undefined): number | undefined => {
  const m = /Credential=AKIASOAKLANE(\d{4})/.exec(authorization ?? "");
  return m ? Number(m[1]) : undefined;
};

export class FrontDoor {
  private readonly lanes = new Map<number, URL>();
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async open(): Promise<FrontDoor> {
    const opened: { door?: FrontDoor } = {};
    const server = createServer((req, res) => opened.door!.pass(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    opened.door = new FrontDoor(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return opened.door;
  }

  /** Sends the lane's requests to this stand-in from now on; undefined closes the lane. */
  route(lane: number, standinUrl: string | undefined): void {
    if (standinUrl === undefined) this.lanes.delete(lane);
    else this.lanes.set(lane, new URL(standinUrl));
  }

  async close(): Promise<void> {
    this.agent.destroy();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private pass(req: IncomingMessage, res: ServerResponse): void {
    const lane = laneOf(req.headers.authorization);
    const target = lane === undefined ? undefined : this.lanes.get(lane);
    if (!target) {
      req.resume();
      res.writeHead(503, { "content-type": "text/xml" });
      res.end(
        "<Response><Errors><Error><Code>Unavailable</Code><Message>no soak lane behind this key</Message></Error></Errors></Response>",
      );
      return;
    }
    const onward = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent: this.agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    onward.on("error", () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(onward);
  }
}

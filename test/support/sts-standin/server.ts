import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { escapeXml } from "../ec2-standin/xml";
import { closeServer, listenOn, pause, readBody } from "../standin-http";
import { accessKeyOf, issuedKeyOf, recordIssuedKey, signedWithExpiredKey } from "./issued-keys";
import type { StsRoleSpec, StsWorldSpec } from "./roles";

// The STS stand-in over HTTP: the Query protocol the SDK speaks (form-encoded POST, XML back), with
// AssumeRole as IAM judges it (the role's trust: who may assume it, the external id it asks for),
// STS's validation errors, temporary keys the EC2 and Route53 stand-ins recognise (issued-keys.ts),
// a configurable lifetime so renewal shows within seconds, injected faults and a call log.

const namespace = "https://sts.amazonaws.com/doc/2011-06-15/";

export interface StsCall {
  /** Epoch ms when the request arrived. */
  at: number;
  action: string;
  roleArn?: string;
  sessionName?: string;
  externalId?: string;
  durationSeconds?: number;
  /** The principal that signed the request (a node's own key, or a role's issued key). */
  caller?: string;
  /** The access key id it issued, on success. */
  issued?: string;
  /** The error code answered, injected or modelled; absent on success. */
  error?: string;
}

export class StsFaults {
  private failures: { code: string; status: number; times: number }[] = [];
  latencyMs = 0;

  /** The next `times` calls fail with `code` (Throttling, InternalFailure, …) before any check. */
  fail(code: string, status: number, times = 1): void {
    this.failures.push({ code, status, times });
  }

  take(): { code: string; status: number } | undefined {
    const next = this.failures[0];
    if (!next) return undefined;
    if (--next.times <= 0) this.failures.shift();
    return next;
  }
}

export interface StsServer {
  /** http://127.0.0.1:port, for AWS_ENDPOINT_URL_STS. */
  url: string;
  faults: StsFaults;
  calls(): StsCall[];
  /** Change a role's trust while the scenario runs (deny a caller, ask for another external id). */
  setRole(role: StsRoleSpec): void;
  close(): Promise<void>;
}

class StsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const roleArnPattern = /^arn:aws(-cn|-us-gov)?:iam::(\d{12}):role\/(?:[\x21-\x7e]*\/)?([\w+=,.@-]{1,64})$/;

export async function startStsServer(spec: StsWorldSpec): Promise<StsServer> {
  const roles = new Map(spec.roles.map((r) => [r.roleArn, r]));
  const faults = new StsFaults();
  const log: StsCall[] = [];
  const waits = new Set<NodeJS.Timeout>();
  const callerAccount = spec.callerAccount ?? "111122223333";

  const assumeRole = (form: URLSearchParams, authorization: string, call: StsCall): string => {
    const roleArn = form.get("RoleArn") ?? "";
    const sessionName = form.get("RoleSessionName") ?? "";
    const externalId = form.get("ExternalId") ?? undefined;
    const durationText = form.get("DurationSeconds");
    const duration = durationText === null ? 3600 : Number(durationText);
    Object.assign(call, {
      roleArn,
      sessionName,
      ...(externalId !== undefined ? { externalId } : {}),
      durationSeconds: duration,
    });
    const arn = roleArnPattern.exec(roleArn);
    if (!arn) throw new StsError("ValidationError", `${roleArn || "RoleArn"} is invalid`);
    if (!/^[\w+=,.@-]{2,64}$/.test(sessionName))
      throw new StsError("ValidationError", "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint");
    if (!Number.isInteger(duration) || duration < 900 || duration > 43200)
      throw new StsError("ValidationError", "1 validation error detected: Value at 'durationSeconds' failed to satisfy constraint");
    if (externalId !== undefined && !/^[\w+=,.@:/-]{2,1224}$/.test(externalId))
      throw new StsError("ValidationError", "1 validation error detected: Value at 'externalId' failed to satisfy constraint");
    const policy = form.get("Policy");
    if (policy !== null) {
      try {
        JSON.parse(policy);
      } catch {
        throw new StsError("MalformedPolicyDocument", "The policy is not in the valid JSON format.");
      }
    }
    const key = accessKeyOf(authorization) ?? "unknown";
    const denied = () =>
      new StsError("AccessDenied", `User: ${call.caller} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`, 403);
    const role = roles.get(roleArn);
    if (!role) throw denied();
    if (role.trustedCallers && !role.trustedCallers.some((c) => c === key || c === call.caller)) throw denied();
    if (role.externalId !== externalId) throw denied();
    const lifetime = spec.credentialSeconds ?? duration;
    const expiresAt = Date.now() + lifetime * 1000;
    const accessKeyId = `ASIA${randomBytes(8).toString("hex").toUpperCase()}`;
    const principal = `arn:${arn[1] ? `aws${arn[1]}` : "aws"}:sts::${arn[2]}:assumed-role/${arn[3]}/${sessionName}`;
    recordIssuedKey({ accessKeyId, roleArn, sessionName, principal, expiresAt });
    call.issued = accessKeyId;
    return (
      `<AssumeRoleResponse xmlns="${namespace}"><AssumeRoleResult>` +
      `<AssumedRoleUser><Arn>${escapeXml(principal)}</Arn><AssumedRoleId>AROA${randomBytes(8).toString("hex").toUpperCase()}:${escapeXml(sessionName)}</AssumedRoleId></AssumedRoleUser>` +
      `<Credentials><AccessKeyId>${accessKeyId}</AccessKeyId><SecretAccessKey>${randomBytes(20).toString("base64")}</SecretAccessKey>` +
      `<SessionToken>${randomBytes(48).toString("base64")}</SessionToken><Expiration>${new Date(expiresAt).toISOString()}</Expiration></Credentials>` +
      `<PackedPolicySize>0</PackedPolicySize></AssumeRoleResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></AssumeRoleResponse>`
    );
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    const form = new URLSearchParams(req.method === "GET" ? new URL(req.url ?? "/", "http://stand-in").search : body);
    const action = form.get("Action") ?? "";
    const authorization = req.headers.authorization;
    const call: StsCall = { at: Date.now(), action };
    const requestId = randomUUID();
    let status = 200;
    let xml: string;
    try {
      if (!authorization) throw new StsError("MissingAuthenticationToken", "Request is missing Authentication Token", 403);
      if (signedWithExpiredKey(authorization))
        throw new StsError("ExpiredToken", "The security token included in the request is expired", 400);
      const issued = issuedKeyOf(authorization);
      call.caller = issued?.principal ?? `arn:aws:iam::${callerAccount}:user/${accessKeyOf(authorization) ?? "unknown"}`;
      await pause(faults.latencyMs, waits);
      const injected = faults.take();
      if (injected) throw new StsError(injected.code, `injected ${injected.code}`, injected.status);
      if (action !== "AssumeRole") throw new StsError("InvalidAction", `Could not find operation ${action} for version 2011-06-15`);
      xml = assumeRole(form, authorization, call);
    } catch (e) {
      if (!(e instanceof StsError)) throw e;
      status = e.status;
      call.error = e.code;
      const type = e.status >= 500 ? "Receiver" : "Sender";
      xml = `<ErrorResponse xmlns="${namespace}"><Error><Type>${type}</Type><Code>${escapeXml(e.code)}</Code><Message>${escapeXml(e.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
    }
    log.push(call);
    res.writeHead(status, { "content-type": "text/xml", "x-amzn-requestid": requestId });
    res.end(xml);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(`stand-in failure: ${(e as Error).message}`);
    });
  });
  const port = await listenOn(server, "127.0.0.1");
  return {
    url: `http://127.0.0.1:${port}`,
    faults,
    calls: () => log.map((c) => ({ ...c })),
    setRole: (role) => roles.set(role.roleArn, role),
    async close() {
      for (const t of waits) clearTimeout(t);
      waits.clear();
      await closeServer(server);
    },
  };
}

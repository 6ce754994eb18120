import type { Fields } from "./record";
import { oneLine } from "./text";

/**
 * The fields a log record about an error carries besides its text: EC2's code and request id (what
 * AWS support asks for), the HTTP status, and the chain of causes (the SDK's or Node's own errors).
 * A JSON record always carries them; a text line shows them only at --verbose (see formatText).
 * Each front end logs an error as `log.error(text, errorFields(e))`; Logger.failure does it.
 */
export function errorFields(e: unknown): Fields {
  const fields: Fields = {};
  let level: unknown = e;
  for (let depth = 0; depth <= causeDepth && level instanceof Error; depth++, level = level.cause) {
    const facts = awsFactsOf(level);
    fields.awsCode ??= facts.awsCode;
    fields.requestId ??= facts.requestId;
    fields.httpStatus ??= facts.httpStatus;
  }
  const causes = causeChain(e);
  if (causes) fields.cause = causes;
  for (const key of errorDetailKeys) if (fields[key] === undefined) delete fields[key];
  return fields;
}

/** The fields errorFields adds; a text line shows them only at --verbose. */
export const errorDetailKeys = ["awsCode", "requestId", "httpStatus", "cause"] as const;

/** How many causes deep a record follows an error: enough for SDK error ← socket error. */
const causeDepth = 3;

interface AwsFacts {
  awsCode?: string;
  requestId?: string;
  httpStatus?: number;
}

// An AwsHaError keeps them in its details (src/errors.ts, which imports the log: so no import back);
// an SDK error in `name` and `$metadata`, and only a service error (with `$fault`) names an AWS code.
function awsFactsOf(e: Error): AwsFacts {
  const details = (e as { details?: unknown }).details;
  if (details && typeof details === "object") {
    const d = details as Record<string, unknown>;
    return {
      awsCode: typeof d.awsCode === "string" ? d.awsCode : undefined,
      requestId: typeof d.requestId === "string" ? d.requestId : undefined,
      httpStatus: typeof d.httpStatus === "number" ? d.httpStatus : undefined,
    };
  }
  const sdk = e as { $metadata?: { requestId?: unknown; httpStatusCode?: unknown }; $fault?: unknown };
  return {
    awsCode: sdk.$fault !== undefined ? oneLine(e.name, 80) : undefined,
    requestId: typeof sdk.$metadata?.requestId === "string" ? sdk.$metadata.requestId : undefined,
    httpStatus: typeof sdk.$metadata?.httpStatusCode === "number" ? sdk.$metadata.httpStatusCode : undefined,
  };
}

/** `Name CODE: message ← Name: message`, from the error's cause down, each one bounded. */
function causeChain(e: unknown): string | undefined {
  const links: string[] = [];
  let level = e instanceof Error ? e.cause : undefined;
  for (let depth = 0; depth < causeDepth && level !== undefined && level !== null; depth++) {
    if (!(level instanceof Error)) {
      links.push(oneLine(String(level), 200));
      break;
    }
    const code = (level as { code?: unknown }).code;
    const name = typeof code === "string" && code !== level.name ? `${level.name} ${code}` : level.name;
    links.push(oneLine(`${name}: ${level.message.split("\n")[0] ?? ""}`, 200));
    level = level.cause;
  }
  return links.length > 0 ? links.join(" ← ") : undefined;
}

export function errorText(e: unknown): string {
  if (e && typeof e === "object" && "describe" in e && typeof e.describe === "function") return String(e.describe());
  return e instanceof Error ? e.message : String(e);
}

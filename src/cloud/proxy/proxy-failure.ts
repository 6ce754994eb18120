import { AwsHaError } from "../../errors";
import { oneLine } from "../../log";
import type { ProxyChoice } from "./proxy-settings";

// A call that failed at the proxy, before AWS saw it: the proxy could not be reached, or it would not
// open the tunnel. For retries it is the network failure it amounts to (the SDK's attempts, and
// Route53's own within the deadline, read `code`); for the operator it names the proxy, without
// its credentials, and the variable that chose it, which is where the fix is made.

export class ProxyFailure extends AwsHaError {
  constructor(
    message: string,
    fix: string,
    /** A network error code (ECONNREFUSED…): what the SDK and the error mapping retry and classify by. */
    readonly code: string,
    cause?: unknown,
  ) {
    super("cloud", message, { fix }, cause === undefined ? {} : { cause });
  }
}

/** The proxy could not be reached, or dropped the connection before its answer. */
export function proxyUnreachable(choice: ProxyChoice, target: string, code: string, cause: unknown): ProxyFailure {
  return new ProxyFailure(
    `cannot reach the proxy ${choice.server.shown} (${choice.variable}) to open a tunnel to ${target} (${code})`,
    `check that the proxy runs and that this node reaches it, or correct ${choice.variable} (or list ${hostOf(target)} in NO_PROXY to go direct)`,
    code,
    cause,
  );
}

/** The proxy answered the CONNECT with something other than 2xx. */
export function proxyRefused(choice: ProxyChoice, target: string, status: number, reason: string): ProxyFailure {
  const said = `HTTP ${status}${reason ? ` ${oneLine(reason, 80)}` : ""}`;
  const fix =
    status === 407
      ? choice.server.authorization
        ? `the proxy did not accept the user and password in ${choice.variable}: correct them (http://user:password@host:port)`
        : `the proxy wants a user and password: give them in ${choice.variable} (http://user:password@host:port)`
      : status === 403 || status === 405
        ? `the proxy's rules forbid a tunnel to ${target}: allow CONNECT to it in the proxy, or list ${hostOf(target)} in NO_PROXY if the node reaches it directly`
        : `the proxy could not reach ${target} itself: check the proxy's route and DNS to it, or correct ${choice.variable}`;
  return new ProxyFailure(
    `the proxy ${choice.server.shown} (${choice.variable}) refused a tunnel to ${target} (${said})`,
    fix,
    // Refused before AWS saw anything: as a refused connection, retried like one.
    "ECONNREFUSED",
  );
}

/** The proxy answered with something that is not HTTP, or a head too long to be a CONNECT answer. */
export function proxyGarbled(choice: ProxyChoice, target: string, what: string): ProxyFailure {
  return new ProxyFailure(
    `the proxy ${choice.server.shown} (${choice.variable}) answered the tunnel to ${target} with ${what}`,
    `check that ${choice.variable} names an HTTP proxy (host and port)`,
    // Not a network failure: another attempt would meet the same answer.
    "EPROTO",
  );
}

function hostOf(target: string): string {
  return target.replace(/:\d+$/, "").replace(/^\[(.*)\]$/, "$1");
}

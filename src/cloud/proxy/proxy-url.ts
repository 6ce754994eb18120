import { isIPv4, isIPv6 } from "node:net";
import { AwsHaError } from "../../errors";
import { quoted } from "../../log";

// One proxy variable's value, read as curl reads it: `http://[user:password@]host[:port][/]`, the
// scheme optional (plain `proxy.corp:3128` is http), the port 1080 when none is given (curl's
// default proxy port, which surprises people used to 80 or 3128: `check` prints the port it uses).
// Only a plain-HTTP proxy is spoken to: the tunnel it opens carries TLS to AWS end to end, so TLS to
// the proxy itself (https://) adds nothing to the confidentiality of the calls, and SOCKS is
// another protocol altogether. Both are refused with the variable's name rather than ignored, so a
// node never goes direct while its operator believes it uses the proxy.

/** curl's default port for a proxy given without one. */
export const defaultProxyPort = 1080;

export interface ProxyServer {
  /** The host name or address to connect to (an IPv6 address without brackets). */
  host: string;
  port: number;
  /** `Basic …` when the URL carries a user: the Proxy-Authorization of each CONNECT. Never logged. */
  authorization?: string;
  /** `http://host:port`: how logs, errors and `check` name the proxy, credentials left out. */
  shown: string;
}

const HOST_NAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?$/;

/** The proxy a variable names; an AwsHaError (usage: this node's setting, exit 2) when it names none. */
export function parseProxyUrl(variable: string, value: string): ProxyServer {
  const refuse = (why: string) =>
    new AwsHaError("usage", `${variable}=${quoted(withoutCredentials(value))} is not a proxy aws-ha can use: ${why}`, {
      fix: `set ${variable} to http://[user:password@]host[:port], or unset it for aws-ha's environment`,
    });
  const text = value.trim();
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(text);
  const protocol = scheme ? scheme[1]!.toLowerCase() : "http";
  if (protocol === "https")
    throw refuse(
      "a proxy spoken to over TLS (https://) is not supported; give its http:// address (the calls to AWS stay TLS inside the tunnel)",
    );
  if (protocol.startsWith("socks")) throw refuse("SOCKS proxies are not supported; give an HTTP proxy that allows CONNECT");
  if (protocol !== "http") throw refuse(`the scheme ${protocol}:// is not a proxy scheme (use http://)`);
  const rest = scheme ? text.slice(scheme[0].length) : text;
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
  const at = authority.lastIndexOf("@");
  const userinfo = at === -1 ? undefined : authority.slice(0, at);
  const hostPort = at === -1 ? authority : authority.slice(at + 1);

  let host: string;
  let portText: string | undefined;
  if (hostPort.startsWith("[")) {
    const close = hostPort.indexOf("]");
    if (close === -1) throw refuse("an IPv6 address must be closed with ]");
    host = hostPort.slice(1, close);
    if (!isIPv6(host)) throw refuse(`${quoted(host)} is not an IPv6 address`);
    const after = hostPort.slice(close + 1);
    if (after !== "" && !after.startsWith(":")) throw refuse("only :port may follow the IPv6 address");
    portText = after === "" ? undefined : after.slice(1);
  } else {
    const colon = hostPort.indexOf(":");
    host = colon === -1 ? hostPort : hostPort.slice(0, colon);
    portText = colon === -1 ? undefined : hostPort.slice(colon + 1);
    if (host === "") throw refuse("it names no host");
    if (!isIPv4(host) && !HOST_NAME.test(host)) throw refuse(`${quoted(host)} is not a host name`);
  }
  let port = defaultProxyPort;
  if (portText !== undefined && portText !== "") {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535)
      throw refuse(`the port ${quoted(portText)} is not a number from 1 to 65535`);
    port = Number(portText);
  }
  const shownHost = isIPv6(host) ? `[${host}]` : host;
  const server: ProxyServer = { host, port, shown: `http://${shownHost}:${port}` };
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(":");
    let user: string;
    let password: string;
    try {
      user = decodeURIComponent(colon === -1 ? userinfo : userinfo.slice(0, colon));
      password = colon === -1 ? "" : decodeURIComponent(userinfo.slice(colon + 1));
    } catch {
      throw refuse("its user or password has a malformed %-escape");
    }
    server.authorization = `Basic ${Buffer.from(`${user}:${password}`, "utf8").toString("base64")}`;
  }
  return server;
}

/** The value with any `user:password@` replaced, for messages: credentials are never printed. */
export function withoutCredentials(value: string): string {
  return value.replace(/^((?:[A-Za-z][A-Za-z0-9+.-]*:\/\/)?)([^/?#]*)@/, "$1***@");
}

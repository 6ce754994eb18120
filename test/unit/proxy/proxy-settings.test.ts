import { describe, expect, it } from "vitest";
import { AwsHaError } from "../../../src/errors";
import { describeRoute, proxySettingsFrom, routeFor } from "../../../src/cloud/proxy/proxy-settings";
import { parseProxyUrl } from "../../../src/cloud/proxy/proxy-url";

// Which proxy a call to an AWS endpoint goes through, as curl would choose it from the same
// environment: the variable per scheme, lower case before upper, HTTP_PROXY never, NO_PROXY.

const ec2 = { protocol: "https:", host: "ec2.eu-west-1.amazonaws.com", port: 443 };
const standIn = { protocol: "http:", host: "127.0.0.1", port: 4566 };
const via = (env: NodeJS.ProcessEnv, to = ec2) => describeRoute(routeFor(proxySettingsFrom(env), to.protocol, to.host, to.port));

describe("which variable names the proxy of an endpoint", () => {
  it.each([
    ["https_proxy alone", { https_proxy: "http://lower:3128" }, ec2, "via http://lower:3128 (https_proxy)"],
    ["HTTPS_PROXY alone", { HTTPS_PROXY: "http://upper:3128" }, ec2, "via http://upper:3128 (HTTPS_PROXY)"],
    [
      "lower case wins over upper",
      { HTTPS_PROXY: "http://upper:3128", https_proxy: "http://lower:3128" },
      ec2,
      "via http://lower:3128 (https_proxy)",
    ],
    [
      "an empty lower case counts as unset",
      { https_proxy: "", HTTPS_PROXY: "http://upper:3128" },
      ec2,
      "via http://upper:3128 (HTTPS_PROXY)",
    ],
    ["all_proxy when no https_proxy", { all_proxy: "http://all:3128" }, ec2, "via http://all:3128 (all_proxy)"],
    ["ALL_PROXY last", { ALL_PROXY: "http://all:3128" }, ec2, "via http://all:3128 (ALL_PROXY)"],
    ["https_proxy before all_proxy", { all_proxy: "http://all:3128", https_proxy: "http://s:1" }, ec2, "via http://s:1 (https_proxy)"],
    ["http_proxy is not for https", { http_proxy: "http://plain:3128" }, ec2, "direct (no proxy variable set)"],
    [
      "http endpoints use http_proxy",
      { http_proxy: "http://plain:3128", https_proxy: "http://s:1" },
      standIn,
      "via http://plain:3128 (http_proxy)",
    ],
    ["HTTP_PROXY is never read (httpoxy)", { HTTP_PROXY: "http://upper:3128" }, standIn, "direct (no proxy variable set)"],
    ["https_proxy is not for http", { https_proxy: "http://s:1" }, standIn, "direct (no proxy variable set)"],
    ["ALL_PROXY serves http endpoints too", { ALL_PROXY: "http://all:3128" }, standIn, "via http://all:3128 (ALL_PROXY)"],
    ["nothing set", {}, ec2, "direct (no proxy variable set)"],
  ])("%s", (_, env, to, expected) => {
    expect(via(env as NodeJS.ProcessEnv, to)).toBe(expected);
  });

  it("says HTTP_PROXY is set and ignored", () => {
    expect(proxySettingsFrom({ HTTP_PROXY: "http://p:1" }).ignored).toEqual(["HTTP_PROXY"]);
    expect(proxySettingsFrom({ http_proxy: "http://p:1" }).ignored).toEqual([]);
  });

  it("no_proxy wins over NO_PROXY, and a listed endpoint goes direct naming the variable", () => {
    const env = { https_proxy: "http://p:3128", NO_PROXY: "example.com", no_proxy: "amazonaws.com" };
    expect(via(env)).toBe("direct (no_proxy)");
    expect(via({ https_proxy: "http://p:3128", NO_PROXY: "amazonaws.com" })).toBe("direct (NO_PROXY)");
    expect(via({ https_proxy: "http://p:3128", NO_PROXY: "example.com" })).toBe("via http://p:3128 (https_proxy)");
  });
});

describe("a proxy URL", () => {
  it.each([
    ["http://proxy.corp:3128", "proxy.corp", 3128],
    ["HTTP://proxy.corp:3128/", "proxy.corp", 3128],
    ["proxy.corp:3128", "proxy.corp", 3128],
    ["http://proxy.corp", "proxy.corp", 1080],
    ["http://proxy.corp:80", "proxy.corp", 80],
    ["http://10.0.0.5:8080", "10.0.0.5", 8080],
    ["http://[fd00::5]:8080", "fd00::5", 8080],
    ["  http://proxy.corp:3128  ", "proxy.corp", 3128],
  ])("%s → %s port %i (curl's 1080 when none is given)", (value, host, port) => {
    const server = parseProxyUrl("HTTPS_PROXY", value);
    expect({ host: server.host, port: server.port, authorization: server.authorization }).toEqual({ host, port, authorization: undefined });
  });

  it("credentials become a Basic Proxy-Authorization, %-escapes decoded, and are never shown", () => {
    const server = parseProxyUrl("HTTPS_PROXY", "http://ops%40corp:p%3Ass@proxy.corp:3128");
    expect(server.authorization).toBe(`Basic ${Buffer.from("ops@corp:p:ss").toString("base64")}`);
    expect(server.shown).toBe("http://proxy.corp:3128");
  });

  it.each([
    ["https://proxy.corp:3128", /over TLS \(https:\/\/\) is not supported/],
    ["socks5://proxy.corp:1080", /SOCKS proxies are not supported/],
    ["ftp://proxy.corp", /ftp:\/\/ is not a proxy scheme/],
    ["http://proxy.corp:99999", /the port "99999" is not a number from 1 to 65535/],
    ["http://proxy.corp:abc", /the port "abc"/],
    ["http://:3128", /names no host/],
    ["http://pro xy:3128", /is not a host name/],
    ["http://[fd00::5:3128", /closed with \]/],
    ["http://u:%zz@proxy.corp:3128", /malformed %-escape/],
  ])("%s is refused with one line naming the variable (usage: exit 2)", (value, why) => {
    let error: unknown;
    try {
      parseProxyUrl("HTTPS_PROXY", value);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AwsHaError);
    const refused = error as AwsHaError;
    expect(refused.kind).toBe("usage");
    expect(refused.describe()).toMatch(/^HTTPS_PROXY=/);
    expect(refused.describe()).toMatch(why);
    expect(refused.describe()).not.toContain("\n");
  });

  it("a refused URL with credentials does not print them", () => {
    expect(() => parseProxyUrl("https_proxy", "http://ops:hunter2@proxy.corp:99999")).toThrow(
      /^https_proxy="http:\/\/\*\*\*@proxy\.corp:99999"/,
    );
    expect(() => parseProxyUrl("https_proxy", "http://ops:hunter2@proxy.corp:99999")).not.toThrow(/hunter2/);
  });

  it("only the variables that would be used are read: a bad one shadowed by lower case is not an error", () => {
    expect(() => proxySettingsFrom({ https_proxy: "http://p:1", HTTPS_PROXY: "socks5://x" })).not.toThrow();
    expect(() => proxySettingsFrom({ HTTPS_PROXY: "socks5://x" })).toThrow(/HTTPS_PROXY/);
    expect(() => proxySettingsFrom({ http_proxy: "http://p:99999" })).toThrow(/http_proxy/);
    expect(() => proxySettingsFrom({ HTTP_PROXY: "not even a url ::" })).not.toThrow();
  });
});

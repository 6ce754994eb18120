import { describe, expect, it } from "vitest";
import { awsEndpoints, proxyFindings } from "../../../src/check/proxy-findings";
import { parseClusterDescription } from "../../../src/cluster/parse";

// `check`'s lines about proxies: one per AWS endpoint the node calls, how it is reached; nothing when
// the environment names no proxy; credentials never shown.

function description(extra: { records?: boolean; role?: boolean } = {}) {
  return parseClusterDescription(
    JSON.stringify({
      cluster: "web",
      manager: "keepalived",
      nodes: [
        { name: "lb-a", address: "10.0.1.10", instanceId: "i-0a1b2c3d4e5f60001", interface: "eth0", priority: 150 },
        { name: "lb-b", address: "10.0.1.11", instanceId: "i-0a1b2c3d4e5f60002", interface: "eth0", priority: 100 },
      ],
      resources: [
        { kind: "vip", name: "web-vip", address: "10.0.1.100", prefix: 24 },
        ...(extra.records
          ? [
              {
                kind: "record",
                name: "web-dns",
                hostedZoneId: "Z0A1B2C3D4E5F6PROXY1",
                zone: "example.com.",
                recordName: "web.example.com.",
                ttl: 30,
              },
            ]
          : []),
      ],
      ...(extra.role ? { assumeRole: { roleArn: "arn:aws:iam::444455556666:role/shared-vpc" } } : {}),
      keepalived: { virtualRouterId: 51 },
    }),
    "cluster.json",
  );
}

const lines = (env: NodeJS.ProcessEnv, d = description(), region = "eu-west-1") =>
  proxyFindings(awsEndpoints(d, region, env), env).map((f) => `${f.verdict} ${f.message}`);

describe("check's proxy lines", () => {
  it("say nothing when no proxy variable is set", () => {
    expect(lines({})).toEqual([]);
  });

  it("one line per endpoint: EC2 of the region, Route53 with records, STS with roles", () => {
    expect(lines({ HTTPS_PROXY: "http://proxy.corp:3128" }, description({ records: true, role: true }))).toEqual([
      "ok EC2 https://ec2.eu-west-1.amazonaws.com via http://proxy.corp:3128 (HTTPS_PROXY)",
      "ok Route53 https://route53.amazonaws.com via http://proxy.corp:3128 (HTTPS_PROXY)",
      "ok STS https://sts.eu-west-1.amazonaws.com via http://proxy.corp:3128 (HTTPS_PROXY)",
    ]);
  });

  it("follow AWS_ENDPOINT_URL_EC2 (a VPC endpoint listed in NO_PROXY goes direct) and the China partition's names", () => {
    const env = {
      https_proxy: "http://proxy.corp:3128",
      no_proxy: ".vpce.amazonaws.com",
      AWS_ENDPOINT_URL_EC2: "https://vpce-0abc.ec2.eu-west-1.vpce.amazonaws.com",
    };
    expect(lines(env)).toEqual(["ok EC2 https://vpce-0abc.ec2.eu-west-1.vpce.amazonaws.com direct (no_proxy)"]);
    expect(lines({ https_proxy: "http://proxy.corp:3128" }, description(), "cn-north-1")).toEqual([
      "ok EC2 https://ec2.cn-north-1.amazonaws.com.cn via http://proxy.corp:3128 (https_proxy)",
    ]);
  });

  it("never show the proxy's user and password", () => {
    const text = lines({ https_proxy: "http://ops:hunter2@proxy.corp:3128" }).join("\n");
    expect(text).toBe("ok EC2 https://ec2.eu-west-1.amazonaws.com via http://proxy.corp:3128 (https_proxy)");
    const bad = lines({ https_proxy: "http://ops:hunter2@proxy.corp:0" }).join("\n");
    expect(bad).toMatch(/^fail https_proxy="http:\/\/\*\*\*@proxy\.corp:0" is not a proxy aws-ha can use/);
    expect(bad).not.toContain("hunter2");
  });

  it("say that HTTP_PROXY is ignored when an http endpoint would have used it", () => {
    expect(lines({ HTTP_PROXY: "http://proxy.corp:3128", AWS_ENDPOINT_URL_EC2: "http://127.0.0.1:4566" })).toEqual([
      "ok EC2 http://127.0.0.1:4566 direct (no proxy variable set)",
      expect.stringMatching(/^warn HTTP_PROXY is set and not read .*; set http_proxy for http endpoints$/),
    ]);
  });
});

import { describe, expect, it } from "vitest";
import { exampleDescription } from "../../src/cli/gen/init";
import { parseClusterDescription } from "../../src/cluster/parse";

// A proxy is not part of a cluster description (aws-ha reads it from the environment, as curl does),
// so the example `aws-ha-gen init` writes tells an operator where the variables go instead.

describe("aws-ha-gen init's example about proxies", () => {
  it("says the proxy variables go in the daemon's environment, for each manager", () => {
    const comments = exampleDescription
      .split("\n")
      .filter((l) => l.startsWith("#"))
      .join("\n");

    expect(comments).toMatch(/https_proxy=http:\/\/proxy\.corp:3128/);
    expect(comments).toMatch(/systemctl edit keepalived/);
    expect(comments).toMatch(/Environment=https_proxy=/);
    expect(comments).toMatch(/\/etc\/default\/pacemaker/);
  });

  it("a description that names a proxy is refused: the environment is the only place for it", () => {
    const withProxy = `${exampleDescription}\nproxy: http://proxy.corp:3128\n`;

    expect(() => parseClusterDescription(withProxy, "cluster.yaml")).toThrow(/unknown key "proxy"/);
  });
});

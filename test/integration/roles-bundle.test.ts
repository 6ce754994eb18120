import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// STS's client is in aws-ha-notify for the descriptions that name a role, imported by module
// (tsup.config.ts): its index would also pull in every other STS command, whose modules the first
// AssumeRole would then run. `npm test` builds bin/ first.

const bundle = readFileSync(fileURLToPath(new URL("../../bin/aws-ha-notify", import.meta.url)), "utf8");

describe("STS in the aws-ha-notify bundle", () => {
  it("carries AssumeRole, and none of the STS commands aws-ha never sends", () => {
    expect(bundle.includes("AssumeRoleCommand")).toBe(true);
    const unused = [
      "GetFederationToken",
      "DecodeAuthorizationMessage",
      "GetAccessKeyInfo",
      "AssumeRoot",
      "GetSessionToken",
      "GetCallerIdentity",
    ];
    expect(unused.filter((name) => bundle.includes(name))).toEqual([]);
  });
});

import { describe, expect, it } from "vitest";
import { shakeSchemas } from "../../src/build/sdk-schema-shake";

// The build keeps of an AWS SDK client's schemas module only what the operations aws-ha sends reach.
// The module's shape (as the SDK generates it): string constants, schema arrays that point at each
// other directly or through thunks, and a few statements that register the client's errors.

const module = `const _A = "Address";
const _AR = "AssociateAddressRequest";
const _Un = "Unused";
const _LN = "locationName";
const n0 = "com.amazonaws.ec2";
import { TypeRegistry } from "@smithy/core/schema";
import { EC2ServiceException } from "../models/EC2ServiceException";
var SecureString = [0, n0, _A, 8, 0];
export var EC2ServiceException$ = [-3, n0, "EC2ServiceException", 0, [], []];
const _s_registry = new TypeRegistry(_s);
_s_registry.registerError(EC2ServiceException$, EC2ServiceException);
export var AssociateAddressRequest$ = [3, n0, _AR,
    0,
    [_A],
    [[() => SecureString, { [_LN]: _A }]]
];
export var UnusedRequest$ = [3, n0, _Un,
    0,
    [_A],
    [0]
];
export var AssociateAddress$ = [9, n0, _A,
    0, () => AssociateAddressRequest$, () => __Unit
];
export var Unused$ = [9, n0, _Un,
    0, () => UnusedRequest$, () => __Unit
];
var __Unit = "unit";
`;

const declaredNames = (text: string) => [...text.matchAll(/^(?:export )?(?:var|const) ([\w$]+) =/gm)].map((m) => m[1]);

describe("shaking an SDK client's schemas", () => {
  it("keeps what the operation reaches, through thunks and computed keys, and every statement that declares nothing", () => {
    const shaken = shakeSchemas(module, ["AssociateAddress$"]);

    expect(declaredNames(shaken)).toEqual([
      "_A",
      "_AR",
      "_LN",
      "n0",
      "SecureString",
      "EC2ServiceException$",
      "_s_registry",
      "AssociateAddressRequest$",
      "AssociateAddress$",
      "__Unit",
    ]);
    expect(shaken).toContain('import { TypeRegistry } from "@smithy/core/schema";');
    expect(shaken).toContain("_s_registry.registerError(EC2ServiceException$, EC2ServiceException);");
    expect(shaken).not.toContain("Unused");
  });

  it("keeps each kept declaration whole, in its place", () => {
    const shaken = shakeSchemas(module, ["AssociateAddress$"]);
    expect(shaken).toContain(`export var AssociateAddressRequest$ = [3, n0, _AR,
    0,
    [_A],
    [[() => SecureString, { [_LN]: _A }]]
];`);
    expect(shaken.indexOf("var SecureString")).toBeLessThan(shaken.indexOf("AssociateAddressRequest$ ="));
  });

  it("does not take a name inside a string for a reference", () => {
    const shaken = shakeSchemas(`var Other = [1];\nconst _X = "Other";\nexport var Op$ = [9, _X];\n`, ["Op$"]);
    expect(declaredNames(shaken)).toEqual(["_X", "Op$"]);
  });
});

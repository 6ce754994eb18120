import fc from "fast-check";
import { answer as transportAnswer, type Answer } from "./scripted-http";

// EC2's answers as the Query protocol carries them (XML bodies with EC2's status codes), generated
// from the shapes the SDK reads for each action aws-ha sends — with fields missing, repeated, empty,
// of the wrong type or holding junk — plus EC2's error envelope with real and invented codes, and
// XML that is not XML at all: truncated, entity bombs, HTML, JSON.

type Shape = { [element: string]: Shape | Leaf | [Shape] };
type Leaf = "id" | "bool" | "state" | "ip" | "cidr" | "zone" | "text" | "number";

const item = (shape: Shape): [Shape] => [shape];

const shapes: Record<string, Shape> = {
  DescribeNetworkInterfaces: {
    networkInterfaceSet: item({
      networkInterfaceId: "id",
      subnetId: "id",
      availabilityZone: "zone",
      sourceDestCheck: "bool",
      attachment: { instanceId: "id", status: "state" },
      privateIpAddressesSet: item({ privateIpAddress: "ip", primary: "bool" }),
    }),
  },
  DescribeAddresses: {
    addressesSet: item({
      publicIp: "ip",
      allocationId: "id",
      associationId: "id",
      networkInterfaceId: "id",
      privateIpAddress: "ip",
      instanceId: "id",
    }),
  },
  DescribeRouteTables: {
    routeTableSet: item({ routeTableId: "id", routeSet: item({ destinationCidrBlock: "cidr", networkInterfaceId: "id", state: "state" }) }),
  },
  DescribeVolumes: {
    volumeSet: item({
      volumeId: "id",
      status: "state",
      availabilityZone: "zone",
      attachmentSet: item({ instanceId: "id", status: "state", device: "text" }),
    }),
  },
  DescribeInstances: {
    reservationSet: item({
      instancesSet: item({ instanceId: "id", instanceState: { code: "number", name: "state" }, placement: { availabilityZone: "zone" } }),
    }),
  },
  AssociateAddress: { return: "bool", associationId: "id" },
};
const plain: Shape = { return: "bool" };

const realLeaf: Record<Leaf, readonly string[]> = {
  id: [
    "eni-0aaaaaaaaaaaaaaa1",
    "i-0aaaaaaaaaaaaaaa1",
    "eipalloc-0aaaaaaaaaaaaaaa1",
    "eipassoc-0aaaaaaaaaaaaaaa1",
    "rtb-0aaaaaaaaaaaaaaa1",
    "vol-0aaaaaaaaaaaaaaa1",
    "subnet-0aaaaaaaaaaaaaaa1",
  ],
  bool: ["true", "false"],
  state: [
    "available",
    "in-use",
    "attached",
    "attaching",
    "detaching",
    "detached",
    "busy",
    "running",
    "stopped",
    "pending",
    "active",
    "blackhole",
  ],
  ip: ["10.0.1.10", "10.0.1.100", "203.0.113.10"],
  cidr: ["192.168.100.1/32", "10.0.0.0/16"],
  zone: ["eu-west-1a", "eu-west-1b"],
  text: ["/dev/sdf", "/dev/xvdf"],
  number: ["16", "80", "0"],
};

const escapeXml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** A leaf's text: mostly real, sometimes of another kind, empty, huge, unicode or control characters. */
function leafText(leaf: Leaf): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 10, arbitrary: fc.constantFrom(...realLeaf[leaf]) },
    { weight: 1, arbitrary: fc.constantFrom("", "yes", "1", "-1", "99999999999999999999999", "NaN", "weird", "i-", "eni-0AAAA", " true ") },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 16 }).map(escapeXml) },
    {
      weight: 1,
      arbitrary: fc.constantFrom("<nested><deeper/></nested>", "<![CDATA[x]]>", "&amp;lt;", "&#0;", "&#x1F600;", "&undefined;"),
    },
  );
}

function elements(shape: Shape, depth = 0): fc.Arbitrary<string> {
  const parts = Object.entries(shape).map(([name, child]) => {
    const inner: fc.Arbitrary<string> = Array.isArray(child)
      ? fc.array(elements(child[0], depth + 1), { maxLength: 3 }).map((items) => items.map((i) => `<item>${i}</item>`).join(""))
      : typeof child === "string"
        ? leafText(child)
        : elements(child, depth + 1);
    return fc.oneof(
      { weight: 8, arbitrary: inner.map((text) => `<${name}>${text}</${name}>`) },
      { weight: 1, arbitrary: fc.constant("") },
      { weight: 1, arbitrary: fc.tuple(inner, inner).map(([a, b]) => `<${name}>${a}</${name}><${name}>${b}</${name}>`) },
    );
  });
  return fc.tuple(...parts).map((p) => p.join(""));
}

const errorCodes = [
  "UnauthorizedOperation",
  "AuthFailure",
  "DryRunOperation",
  "RequestLimitExceeded",
  "InternalError",
  "Unavailable",
  "InvalidParameterValue",
  "InvalidNetworkInterfaceID.NotFound",
  "InvalidAllocationID.NotFound",
  "InvalidAssociationID.NotFound",
  "InvalidRoute.NotFound",
  "InvalidVolume.NotFound",
  "InvalidInstanceID.NotFound",
  "RouteAlreadyExists",
  "VolumeInUse",
  "IncorrectState",
  "IncorrectInstanceState",
  "Resource.AlreadyAssociated",
  "InvalidVolume.ZoneMismatch",
  "InvalidAction",
  "Throttling",
  "",
  ".NotFound",
  "__proto__",
  "constructor",
];

const errorMessage = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      "There is no route defined for '192.168.100.1/32' in the route table. Use CreateRoute instead.",
      "Volume 'vol-0aaaaaaaaaaaaaaa1' is in the 'available' state.",
      "Some of the specified addresses are not assigned to interface eni-0aaaaaaaaaaaaaaa1",
      "Request would have succeeded, but DryRun flag is set.",
      "You are not authorized to perform this operation.",
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom("", "line one\nline two", "tab\there", "\u001b[31mred\u001b[0m", "x".repeat(5_000)) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 30 }) },
);

function errorBody(): fc.Arbitrary<string> {
  return fc
    .record({
      code: fc.oneof(
        { weight: 5, arbitrary: fc.constantFrom(...errorCodes) },
        { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 12 }) },
      ),
      message: errorMessage,
      shape: fc.constantFrom("ec2", "ec2-no-message", "two-errors", "no-errors", "aws-json"),
    })
    .map(({ code, message, shape }) => {
      const error = `<Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error>`;
      switch (shape) {
        case "ec2":
          return `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors>${error}</Errors><RequestID>fuzz</RequestID></Response>`;
        case "ec2-no-message":
          return `<Response><Errors><Error><Code>${escapeXml(code)}</Code></Error></Errors></Response>`;
        case "two-errors":
          return `<Response><Errors>${error}${error}</Errors><RequestID>fuzz</RequestID></Response>`;
        case "no-errors":
          return `<Response><Errors></Errors></Response>`;
        default:
          return JSON.stringify({ __type: code, message });
      }
    });
}

const brokenXml = fc.constantFrom(
  "",
  "<",
  "<DescribeVolumesResponse>",
  "<DescribeVolumesResponse><volumeSet><item>",
  "not xml at all",
  "<html><body><h1>502 Bad Gateway</h1></body></html>",
  '{"Volumes": []}',
  "\ufeff<Response/>",
  '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;"><!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">]><Response><Errors><Error><Code>&g;</Code><Message>&g;</Message></Error></Errors></Response>',
  '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><Response><Errors><Error><Code>&x;</Code></Error></Errors></Response>',
  `<a>${"<b>".repeat(5_000)}${"</b>".repeat(5_000)}</a>`,
);

/** A body for `action`: its success shape (possibly mangled), an error envelope, or broken XML. */
export function ec2Body(action: string): fc.Arbitrary<string> {
  const success = elements(shapes[action] ?? plain).map(
    (inner) =>
      `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>fuzz</requestId>${inner}</${action}Response>`,
  );
  return fc.oneof({ weight: 5, arbitrary: success }, { weight: 4, arbitrary: errorBody() }, { weight: 1, arbitrary: brokenXml });
}

/**
 * EC2's status for a body: mostly the one EC2 would send with it, sometimes any; and now and then
 * (`transport` on) a drip, a flood, garbage, a hang-up or silence.
 */
export function ec2Answer(action: string, options: { maxDripMs: number; floodBytes: number; transport: boolean }): fc.Arbitrary<Answer> {
  const body = ec2Body(action);
  const matched = body.chain((text) =>
    fc
      .constantFrom(
        ...(text.includes("<Errors>") || text.includes("__type") ? [400, 400, 401, 403, 412, 500, 503, 200] : [200, 200, 200, 400, 500]),
      )
      .map((status): Answer => ({ kind: "reply", status, body: text, contentType: "text/xml;charset=UTF-8" })),
  );
  return options.transport
    ? fc.oneof({ weight: 6, arbitrary: matched }, { weight: 1, arbitrary: transportAnswer(body, options) })
    : matched;
}

// EC2's XML dialect: every response is <ActionResponse xmlns=…><requestId/>…</ActionResponse>,
// lists are <fooSet><item>…</item></fooSet>, absent values are absent elements (never empty ones,
// which the SDK would read as "").

export const ec2Namespace = "http://ec2.amazonaws.com/doc/2016-11-15/";

export type XmlValue = string | number | boolean | undefined;

export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&apos;", '"': "&quot;" })[c] ?? c);
}

/** A leaf element; nothing at all when the value is undefined. */
export function leaf(name: string, value: XmlValue): string {
  return value === undefined ? "" : `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** An element whose children are already rendered. */
export function node(name: string, ...children: string[]): string {
  return `<${name}>${children.join("")}</${name}>`;
}

/** A <nameSet><item>…</item></nameSet> list. */
export function itemSet<T>(name: string, members: readonly T[], render: (member: T) => string): string {
  return node(name, ...members.map((m) => node("item", render(m))));
}

export function successBody(action: string, requestId: string, inner: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${ec2Namespace}">${leaf("requestId", requestId)}${inner}</${action}Response>`;
}

export function errorBody(code: string, message: string, requestId: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>${leaf("Code", code)}${leaf("Message", message)}</Error></Errors>` +
    `${leaf("RequestID", requestId)}</Response>`
  );
}

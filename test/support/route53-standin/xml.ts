// Route53's XML dialect (REST-XML): responses are <ActionResponse xmlns=…>, lists are plural
// elements of singular ones (<ResourceRecordSets><ResourceRecordSet>…), errors are
// <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>. Requests are read
// with a few patterns: the SDK writes them, and only the elements of one change batch are needed.

export const route53Namespace = "https://route53.amazonaws.com/doc/2013-04-01/";

export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&apos;", '"': "&quot;" })[c] ?? c);
}

export function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|amp|apos|quot|#\d+|#x[0-9a-fA-F]+);/g, (_, e: string) => {
    if (e.startsWith("#x")) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith("#")) return String.fromCodePoint(parseInt(e.slice(1), 10));
    return { lt: "<", gt: ">", amp: "&", apos: "'", quot: '"' }[e] ?? "";
  });
}

export function leaf(name: string, value: string | number | boolean | undefined): string {
  return value === undefined ? "" : `<${name}>${escapeXml(String(value))}</${name}>`;
}

export function node(name: string, ...children: string[]): string {
  return `<${name}>${children.join("")}</${name}>`;
}

export function successBody(action: string, inner: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${route53Namespace}">${inner}</${action}Response>`;
}

export function errorBody(code: string, message: string, requestId: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${route53Namespace}"><Error>${leaf("Type", "Sender")}` +
    `${leaf("Code", code)}${leaf("Message", message)}</Error>${leaf("RequestId", requestId)}</ErrorResponse>`
  );
}

/** The text of every <name> element directly in `xml`, in order (elements of that name are never nested in a change batch). */
export function elements(xml: string, name: string): string[] {
  return [...xml.matchAll(new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`, "g"))].map((m) => m[1]!);
}

/** The text of the first <name> element, unescaped; undefined when there is none. */
export function text(xml: string, name: string): string | undefined {
  const found = elements(xml, name)[0];
  return found === undefined ? undefined : unescapeXml(found.trim());
}

import { Eta } from "eta/core";

// One engine for every template. autoEscape is off because the outputs are configuration files,
// not HTML: an address or a path must come out exactly as written. Whitespace is kept as written,
// except that a control line (`<% … -%>`) swallows its own newline. eta/core has no file loader, so
// the templates arrive as text imported at build time and the bundle stays a single file.
const eta = new Eta({ autoEscape: false, autoTrim: false, useWith: false, cache: false });

export function renderTemplate(template: string, data: object): string {
  return eta.renderString(template, data);
}

// What a record's description means beyond its fields, for the code that acts on it: kept apart
// from the schema so that acting on a validated description never builds the schema.

/** A DNS name as Route53 compares it: lower case, with exactly one trailing dot. */
export function dnsName(name: string): string {
  return `${name.toLowerCase().replace(/\.+$/, "")}.`;
}

/** Whether `name` is `zone` itself or a name below it, compared as Route53 compares names. */
export function isInZone(name: string, zone: string): boolean {
  const [n, z] = [dnsName(name), dnsName(zone)];
  return n === z || n.endsWith(`.${z}`);
}

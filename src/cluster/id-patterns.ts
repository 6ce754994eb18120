// The spelling of AWS ids and names, as the description's schema holds them and as the code that
// reads IMDS checks its answers against: one rule for both, without the schema (building it costs
// a cold failover more than the whole check).

/** `i-…`, `eni-…`, `vol-…`: the prefix, then 8 or 17 hexadecimal digits. */
export function awsIdPattern(prefix: string): RegExp {
  return new RegExp(`^${prefix}-[0-9a-f]{8,17}$`);
}

/** eu-west-1, us-gov-west-1, ap-southeast-4. */
export const regionPattern = /^[a-z]{2}(-[a-z]+)+-\d$/;

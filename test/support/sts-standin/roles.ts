// The roles the STS stand-in knows, each with its trust policy reduced to what AssumeRole checks:
// who may assume it, and the external id its sts:ExternalId condition asks for.

export interface StsRoleSpec {
  roleArn: string;
  /**
   * Who may assume it: access key ids or principal ARNs (arn:aws:iam::ACCOUNT:user/KEY for a
   * node's own key). Everyone when omitted.
   */
  trustedCallers?: string[];
  /** The external id the trust policy's condition names; AssumeRole without it (or with another) is denied. */
  externalId?: string;
}

export interface StsWorldSpec {
  roles: StsRoleSpec[];
  /** The account of callers signing with their own (non-issued) keys. */
  callerAccount?: string;
  /**
   * How long issued keys live, in seconds (default: the DurationSeconds asked for). Shorter than the
   * client's renewal margin (5 min) makes every use renew: how scenarios see a refresh in seconds.
   */
  credentialSeconds?: number;
}

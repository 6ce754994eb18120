import { randomBytes } from "node:crypto";

// IMDSv2 session tokens: handed out by PUT /latest/api/token for a TTL of 1 to 21600 seconds,
// required on every GET, worthless after they expire or when they were never issued.

export const ttlHeader = "x-aws-ec2-metadata-token-ttl-seconds";
export const tokenHeader = "x-aws-ec2-metadata-token";
export const maxTtlSeconds = 21_600;

export class TokenBook {
  private readonly expiry = new Map<string, number>();

  /** A new token, or undefined when the TTL header is missing or out of range. */
  issue(ttlHeaderValue: string | undefined): string | undefined {
    const ttl = Number(ttlHeaderValue);
    if (ttlHeaderValue === undefined || !Number.isInteger(ttl) || ttl < 1 || ttl > maxTtlSeconds) return undefined;
    const token = randomBytes(42).toString("base64url");
    this.expiry.set(token, Date.now() + ttl * 1000);
    return token;
  }

  valid(token: string | undefined): boolean {
    if (token === undefined) return false;
    const expires = this.expiry.get(token);
    if (expires === undefined) return false;
    if (Date.now() < expires) return true;
    this.expiry.delete(token);
    return false;
  }
}

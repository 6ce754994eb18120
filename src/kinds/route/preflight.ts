import type { Finding } from "../finding";
import type { PreflightContext } from "../preflight";

/** Routes need the ENI's source/destination check off; the first acquire turns it off, so it being on only warns. */
export async function routePreflight({ nic, eni }: PreflightContext): Promise<Finding[]> {
  if (!nic) return [];
  return [
    {
      verdict: nic.sourceDestCheck ? "warn" : "ok",
      topic: "source/dest check",
      message: nic.sourceDestCheck ? `on for ${eni}: the first acquire turns it off (routes need it off)` : "off, as overlay routes need",
    },
  ];
}

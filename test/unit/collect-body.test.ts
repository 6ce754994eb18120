import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { collectBody } from "../../src/cloud/collect-body";
import { AwsHaError } from "../../src/errors";

describe("reading an AWS answer's body", () => {
  it("gives its bytes, in order, as one Uint8Array", async () => {
    const body = await collectBody(Readable.from([Buffer.from("<Describe"), Buffer.from("Response/>")]));
    expect(body).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(body).toString("utf8")).toBe("<DescribeResponse/>");
  });

  it("an empty body is no bytes", async () => {
    expect((await collectBody(Readable.from([]))).byteLength).toBe(0);
  });

  it("stops reading past 32 MiB and says where to look", async () => {
    const mib = Buffer.alloc(1024 * 1024);
    let sent = 0;
    const endless = new Readable({
      read() {
        sent++;
        this.push(mib);
      },
    });
    const reading = collectBody(endless);
    await expect(reading).rejects.toBeInstanceOf(AwsHaError);
    await expect(reading).rejects.toThrow(/larger than 32 MiB/);
    expect(endless.destroyed).toBe(true);
    expect(sent).toBeLessThan(40);
  });

  it("passes the stream's own error on", async () => {
    const broken = new Readable({
      read() {
        this.destroy(new Error("socket hang up"));
      },
    });
    await expect(collectBody(broken)).rejects.toThrow("socket hang up");
  });
});

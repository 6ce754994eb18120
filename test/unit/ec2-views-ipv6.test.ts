import { describe, expect, it } from "vitest";
import { interfaceView } from "../../src/cloud/ec2-views";

describe("an ENI's IPv6 addresses, as EC2 answers them", () => {
  it("are compared in one spelling: upper case and unfolded zeros read as the description writes them", () => {
    const view = interfaceView({
      NetworkInterfaceId: "eni-0a",
      Ipv6Addresses: [{ Ipv6Address: "2001:DB8:0:1:0:0:0:100" }, { Ipv6Address: "2001:db8:0:1::11" }],
    });
    expect(view.ipv6Addresses).toEqual(["2001:db8:0:1::100", "2001:db8:0:1::11"]);
  });

  it("leave out what is no IPv6 address", () => {
    const view = interfaceView({
      NetworkInterfaceId: "eni-0a",
      Ipv6Addresses: [{ Ipv6Address: "not-an-address" }, { Ipv6Address: "10.0.1.5" }],
    });
    expect(view.ipv6Addresses).toBeUndefined();
  });
});

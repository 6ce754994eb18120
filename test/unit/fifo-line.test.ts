import { describe, expect, it } from "vitest";
import { AwsHaError } from "../../src/errors";
import { parseFifoLine } from "../../src/cli/notify/keepalived-words";

// keepalived writes one line per event to its notify FIFO with
// snprintf("%s \"%s\" %s %d\n", type, name, state, priority): the name between double quotes, not
// escaped. So a line is read from its end, where the words keepalived chose are.

describe("a line from keepalived's notify FIFO", () => {
  it("names the instance or group, the state and the priority", () => {
    expect(parseFifoLine('INSTANCE "VI_1" MASTER 150')).toEqual({ direction: "acquire", cause: "MASTER", instance: "VI_1", priority: 150 });
    expect(parseFifoLine('GROUP "G1" BACKUP 0')).toEqual({ direction: "release", cause: "BACKUP", instance: "G1", priority: 0 });
  });

  it("keeps a name that holds double quotes or spaces whole, as keepalived wrote it", () => {
    expect(parseFifoLine('INSTANCE "VI"1" MASTER 100')).toMatchObject({ direction: "acquire", instance: 'VI"1' });
    expect(parseFifoLine('INSTANCE "web "east" 1" FAULT 100')).toMatchObject({ direction: "release", instance: 'web "east" 1' });
    expect(parseFifoLine('INSTANCE "" MASTER 100')).toMatchObject({ direction: "acquire", instance: "" });
  });

  it("acts on the state even when the priority is not a number, and says so", () => {
    const t = parseFifoLine('INSTANCE "VI_1" MASTER abc');
    expect(t).toMatchObject({ direction: "acquire", cause: "MASTER", instance: "VI_1" });
    expect(t?.priority).toBeUndefined();
    expect(t?.oddity).toBe('keepalived\'s priority "abc" is not a number');
  });

  it("changes nothing for the notifications that move nothing", () => {
    expect(parseFifoLine('INSTANCE "VI_1" MASTER_RX_LOWER_PRI 150')).toBeUndefined();
    expect(parseFifoLine('INSTANCE "VI_1" MASTER_PRIORITY 150')).toBeUndefined();
  });

  it.each([
    ["an unknown state", 'INSTANCE "VI_1" SOMETHING 150', 'unknown state "SOMETHING"'],
    ["not a notify line", "not a notify line", "not a keepalived notify line"],
    ["a name without its quotes", "INSTANCE VI_1 MASTER 150", "not a keepalived notify line"],
    ["a missing priority", 'INSTANCE "VI_1" MASTER', "not a keepalived notify line"],
  ])("refuses %s with a typed error naming it", (_what, line, message) => {
    let error: unknown;
    try {
      parseFifoLine(line);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AwsHaError);
    expect((error as AwsHaError).message).toContain(message);
  });
});

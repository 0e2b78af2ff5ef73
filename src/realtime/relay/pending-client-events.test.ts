import { describe, expect, it } from "vitest";
import { MAX_QUEUED_CLIENT_BYTES, PendingClientEvents } from "./pending-client-events";

describe("PendingClientEvents", () => {
  it("gives back the kept frames in order, once", () => {
    const pending = new PendingClientEvents();
    expect(pending.push("a")).toBeNull();
    expect(pending.push("b")).toBeNull();
    expect(pending.take()).toEqual(["a", "b"]);
    expect(pending.take()).toEqual([]);
  });

  it("refuses a frame past the bound, saying what the session waits for", () => {
    const pending = new PendingClientEvents();
    const big = "x".repeat(MAX_QUEUED_CLIENT_BYTES - 10);
    expect(pending.push(big)).toBeNull();
    expect(pending.push("y".repeat(11))).toContain("the upstream is still connecting");
    pending.holding = true;
    expect(pending.push("y".repeat(11))).toContain("server-side tools are still running");
    expect(pending.push("y".repeat(10))).toBeNull();
    expect(pending.take()).toHaveLength(2);
  });
});

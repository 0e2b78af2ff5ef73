import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { faultsOf, withFaults, withLostAcks } from "./faults";

describe("injected faults (capture benchmark)", () => {
  it("are off unless EDGEGATE_FAULTS is set, and refuse a malformed value", () => {
    expect(faultsOf({})).toBeNull();
    expect(faultsOf({ EDGEGATE_FAULTS: '{"d1":[1,2],"redeliver":0.5}' })).toEqual({
      d1: [1, 2],
      redeliver: 0.5,
    });
    expect(() => faultsOf({ EDGEGATE_FAULTS: '{"d1":[1]}' })).toThrow(/EDGEGATE_FAULTS/);
    expect(() => faultsOf({ EDGEGATE_FAULTS: '{"redeliver":2}' })).toThrow(/EDGEGATE_FAULTS/);
  });

  it("fail D1 and R2 inside their windows only", async () => {
    const now = Date.now();
    const down = withFaults(env, { d1: [now - 1000, now + 60_000], r2: [now + 60_000, now + 120_000] });
    expect(() => down.DB.prepare("SELECT 1")).toThrow(/injected fault: D1/);
    await down.BLOBS.put("fault-test", "ok");
    expect(await (await down.BLOBS.get("fault-test"))?.text()).toBe("ok");
    const later = withFaults(env, { r2: [now - 1000, now + 60_000] });
    expect(() => later.BLOBS.get("fault-test")).toThrow(/injected fault: R2/);
    expect(await later.DB.prepare("SELECT 1 AS one").first()).toEqual({ one: 1 });
  });

  it("turn a lost acknowledgement into a redelivery", () => {
    const calls: string[] = [];
    const message = {
      id: "m1",
      body: {},
      attempts: 1,
      timestamp: new Date(),
      ack: () => calls.push("ack"),
      retry: (o?: QueueRetryOptions) => calls.push(`retry ${o?.delaySeconds}`),
    } as unknown as Message<object>;
    const batch = {
      queue: "q",
      messages: [message],
      ackAll() {},
      retryAll() {},
    } as unknown as MessageBatch<object>;
    withLostAcks(batch, { redeliver: 1 }).messages[0]?.ack();
    withLostAcks(batch, { redeliver: 0 }).messages[0]?.ack();
    expect(calls).toEqual(["retry 1", "ack"]);
  });
});

import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { JoinResult } from "../../durable-objects/coalescer";
import { COALESCER_SHARDS, coalescerName } from "../../src/cache/index";
import type { CacheEntry } from "../../src/cache/store";

const entry = (text: string): CacheEntry => ({
  v: 1,
  kind: "chat",
  createdAt: Date.now(),
  ttlSeconds: 60,
  model: "gpt-4o-mini",
  body: { object: "chat.completion", text },
});

/** A key of the shard `aa`, as a SHA-256 hex key would be. */
const keyOf = (suffix: string) => `aa${suffix.padEnd(62, "0")}`;

let shardNo = 0;
const shard = () => env.COALESCER.getByName(`test-shard-${shardNo++}`);

/** Whether `promise` has settled after the object answered a later call (calls are handled in order). */
async function settled(promise: Promise<unknown>, object: ReturnType<typeof shard>): Promise<boolean> {
  let done = false;
  void promise.then(() => {
    done = true;
  });
  await object.inFlight();
  return done;
}

describe("Coalescer shard", () => {
  it("keeps one flight per key: each key has its own leader, and a waiter gets its own key's answer", async () => {
    const object = shard();
    const [a, b] = [keyOf("1"), keyOf("2")];
    const leadA = (await object.joinKey(a, 60_000)) as JoinResult;
    const leadB = (await object.joinKey(b, 60_000)) as JoinResult;
    expect(leadA.role).toBe("leader");
    expect(leadB.role).toBe("leader");
    const waitA = object.joinKey(a, 60_000) as Promise<JoinResult>;
    const waitB = object.joinKey(b, 60_000) as Promise<JoinResult>;
    expect(await object.inFlight()).toBe(2);

    if (leadA.role !== "leader" || leadB.role !== "leader") throw new Error("no leaders");
    const answerA = entry("answer A");
    expect(await object.completeKey(a, leadA.token, answerA)).toBe(1);
    expect(await waitA).toEqual({ role: "follower", entry: answerA, waiters: 1 });
    expect(await settled(waitB, object)).toBe(false);

    await object.abandonKey(b, leadB.token);
    expect(await waitB).toEqual({ role: "retry" });
    expect(await object.inFlight()).toBe(0);
  });

  it("ignores a completion with another flight's token, and a key joins afresh after its flight ends", async () => {
    const object = shard();
    const key = keyOf("3");
    const lead = (await object.joinKey(key, 60_000)) as JoinResult;
    if (lead.role !== "leader") throw new Error("no leader");
    const wait = object.joinKey(key, 60_000) as Promise<JoinResult>;
    expect(await object.completeKey(key, "not-the-token", entry("forged"))).toBe(0);
    expect(await settled(wait, object)).toBe(false);
    const real = entry("real");
    await object.completeKey(key, lead.token, real);
    expect(await wait).toEqual({ role: "follower", entry: real, waiters: 1 });
    expect(((await object.joinKey(key, 60_000)) as JoinResult).role).toBe("leader");
  });

  it("releases the waiters of a leader past its deadline, and only that key's", async () => {
    const object = shard();
    const [slow, other] = [keyOf("4"), keyOf("5")];
    // Long enough that the waiter below joins before it passes on a loaded machine (50 ms did not).
    await object.joinKey(slow, 1_000);
    await object.joinKey(other, 60_000);
    const waitSlow = object.joinKey(slow, 1_000) as Promise<JoinResult>;
    const waitOther = object.joinKey(other, 60_000) as Promise<JoinResult>;
    expect(await waitSlow).toEqual({ role: "retry" });
    expect(await settled(waitOther, object)).toBe(false);
    expect(await object.inFlight()).toBe(1);
  });
});

describe("coalescerName", () => {
  const key = (firstByte: string) => `${firstByte}${"1".repeat(62)}`;

  it("puts each key in one of 64 objects per continent, by its first byte", () => {
    expect(coalescerName("EU", key("ab"))).toBe(coalescerName("EU", `ab${"2".repeat(62)}`));
    // 0xab and 0xeb are both 43 modulo 64.
    expect(coalescerName("EU", key("ab"))).toBe(coalescerName("EU", key("eb")));
    expect(coalescerName("EU", key("ab"))).not.toBe(coalescerName("EU", key("ac")));
    expect(coalescerName("EU", key("ab"))).not.toBe(coalescerName("NA", key("ab")));
    expect(coalescerName(undefined, key("ab"))).toBe("shard:any:43");
    const names = new Set(
      Array.from({ length: 256 }, (_, b) => coalescerName("EU", key(b.toString(16).padStart(2, "0")))),
    );
    expect(names.size).toBe(COALESCER_SHARDS);
  });
});

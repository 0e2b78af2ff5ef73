import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { operationCounts, resetOperationCounts, withCounting } from "./operation-counts";

describe("operation counts", () => {
  beforeEach(() => resetOperationCounts());

  it("counts D1 queries and rows, KV, R2 and Durable Object calls by binding and phase", async () => {
    await env.DB.prepare("CREATE TABLE IF NOT EXISTS op_count_t (v INTEGER)").run();
    let later: Promise<unknown> = Promise.resolve();
    await withCounting(env, "request", async (e) => {
      await e.DB.batch([
        e.DB.prepare("INSERT INTO op_count_t (v) VALUES (?)").bind(1),
        e.DB.prepare("INSERT INTO op_count_t (v) VALUES (?)").bind(2),
      ]);
      await e.DB.prepare("SELECT v FROM op_count_t").all();
      await e.CACHE.get("absent");
      await e.BLOBS.put("k", "v");
      await e.BLOBS.get("k");
      await e.RATE_LIMITER.getByName("op-count").state();
      // Work left running after the response counts as background.
      later = new Promise((resolve) => setTimeout(resolve, 0)).then(() => e.CACHE.put("k", "v"));
    });
    await later;
    const { counts } = operationCounts();
    expect(counts.request).toMatchObject({
      "DB.queries": 3,
      "DB.rows_written": 2,
      "CACHE.reads": 1,
      "BLOBS.class_a": 1,
      "BLOBS.class_b": 1,
      "RATE_LIMITER.calls": 1,
    });
    expect(counts.request?.["DB.rows_read"]).toBeGreaterThanOrEqual(2);
    expect(counts.background).toEqual({ "CACHE.writes": 1 });
    expect(operationCounts().sizes.DB).toBeGreaterThan(0);
  });

  it("starts again from zero after a reset", async () => {
    await withCounting(env, "queue", (e) => e.CACHE.get("x"));
    expect(operationCounts().counts).toEqual({ queue: { "CACHE.reads": 1 } });
    resetOperationCounts();
    expect(operationCounts().counts).toEqual({});
  });
});

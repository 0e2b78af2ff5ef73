import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import worker from "../../src/index";
import { ask, postChat } from "./helpers/chat";
import { adminAs, createConsoleTenant } from "./helpers/console";
import { ADMIN_TOKEN, errorOf } from "./helpers/gateway";
import { eventually } from "./helpers/realtime";
import { sim } from "./helpers/sim";

beforeEach(() => sim.reset());

interface Bucket {
  start: number;
  [counter: string]: number;
}
interface Traffic {
  object: "list";
  bucket: string;
  since: number;
  until: number;
  data: Bucket[];
}

const nowSeconds = () => Math.floor(Date.now() / 1000);
const total = (t: Traffic, counter: string) => t.data.reduce((sum, b) => sum + (b[counter] ?? 0), 0);

async function traffic(key: string, tenantId: string, query: string): Promise<Traffic> {
  const res = await adminAs(key, `/tenants/${tenantId}/traffic?${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Traffic;
}

describe("GET /admin/tenants/{id}/traffic", () => {
  it("counts requests, errors, hits and misses of real traffic per minute, hour and day", async () => {
    const t = await createConsoleTenant({ cache: { mode: "exact" } });
    const since = nowSeconds() - 60;
    expect((await postChat(t.key, ask("How many moons has Mars?"))).headers.get("x-cache")).toBe("MISS");
    expect((await postChat(t.key, ask("How many moons has Mars?"))).headers.get("x-cache")).toBe("HIT");
    expect((await postChat(t.key, { model: "gpt-4o-mini" })).status).toBe(400);
    await sim.fault({ route: "POST /v1/chat/completions", errorStatus: 500, count: 3 });
    expect((await postChat(t.key, ask("And Jupiter?"))).status).toBe(500);
    expect((await postChat("egk_unknown", ask("not counted"))).status).toBe(401);

    const minutes = await eventually(
      () => traffic(t.consoleKey, t.id, `bucket=minute&since=${since}`),
      (v) => total(v, "requests") >= 4 && total(v, "misses") >= 2,
    );
    expect(minutes).toMatchObject({ object: "list", bucket: "minute", since });
    expect({
      requests: total(minutes, "requests"),
      errors: total(minutes, "errors"),
      hits: total(minutes, "hits"),
      misses: total(minutes, "misses"),
    }).toEqual({ requests: 4, errors: 2, hits: 1, misses: 2 });
    expect(total(minutes, "input_tokens_saved")).toBeGreaterThan(0);
    const starts = minutes.data.map((b) => b.start);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    expect(starts.every((s) => s % 60 === 0 && s >= since - 60)).toBe(true);

    const hours = await traffic(t.consoleKey, t.id, "bucket=hour");
    expect(hours.data.every((b) => b.start % 3600 === 0)).toBe(true);
    expect(total(hours, "requests")).toBe(4);
    const days = await traffic(t.consoleKey, t.id, "bucket=day");
    expect(total(days, "errors")).toBe(2);

    const stats = (await (await adminAs(t.consoleKey, `/tenants/${t.id}/stats`)).json()) as {
      errors: number;
    };
    expect(stats.errors).toBe(2);
  });

  it("defaults to hour buckets over the last 24 hours", async () => {
    const t = await createConsoleTenant();
    const body = await traffic(t.consoleKey, t.id, "");
    expect(body.bucket).toBe("hour");
    expect(body.until - body.since).toBe(86_400);
    expect(body.data).toEqual([]);
  });

  it("refuses bad input with an OpenAI-shaped 400 naming the parameter", async () => {
    const t = await createConsoleTenant();
    const cases: [string, string][] = [
      ["bucket=week", "bucket"],
      ["since=yesterday", "since"],
      [`bucket=minute&since=${nowSeconds() - 3 * 86_400}`, "since"],
      [`since=${nowSeconds()}&until=${nowSeconds() - 10}`, "since"],
    ];
    for (const [query, param] of cases) {
      const res = await adminAs(t.consoleKey, `/tenants/${t.id}/traffic?${query}`);
      expect([query, res.status]).toEqual([query, 400]);
      expect(await errorOf(res)).toMatchObject({ type: "invalid_request_error", param });
    }
  });

  it("answers 401 without a credential and 404 for an unknown tenant", async () => {
    expect((await adminAs(null, "/tenants/ten_missing/traffic")).status).toBe(401);
    const res = await adminAs(ADMIN_TOKEN, "/tenants/ten_missing/traffic");
    expect(res.status).toBe(404);
    expect((await errorOf(res)).code).toBe("tenant_not_found");
  });
});

describe("traffic retention", () => {
  it("the cron removes minutes older than 31 days and keeps the rest", async () => {
    const t = await createConsoleTenant();
    const minute = Math.floor(nowSeconds() / 60) * 60;
    const old = minute - 32 * 86_400;
    const insert = "INSERT INTO traffic_minutes (tenant_id, minute, requests) VALUES (?, ?, 1)";
    await env.DB.batch([env.DB.prepare(insert).bind(t.id, old), env.DB.prepare(insert).bind(t.id, minute)]);
    const ctx = createExecutionContext();
    worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "*/5 * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    const { results } = await env.DB.prepare("SELECT minute FROM traffic_minutes WHERE tenant_id = ?")
      .bind(t.id)
      .all<{ minute: number }>();
    expect(results.map((r) => r.minute)).toEqual([minute]);
  });
});

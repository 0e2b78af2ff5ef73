import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { CACHE_EVENTS_KEPT, type CacheEvent, eventStatements } from "../../src/cache/events";
import { ask, postChat } from "./helpers/chat";
import { adminAs, createConsoleTenant } from "./helpers/console";
import { errorOf } from "./helpers/gateway";
import { eventually } from "./helpers/realtime";
import { sim } from "./helpers/sim";

beforeEach(() => sim.reset());

interface CacheEventJson {
  object: string;
  id: string;
  at: number;
  endpoint: string;
  model: string;
  outcome: string;
  stored: boolean;
  stream: boolean;
  similarity: number | null;
  key: string | null;
  input_tokens_saved: number;
  output_tokens_saved: number;
  latency_ms: number;
  shadow: { false_hit: boolean; similarity: number } | null;
  preview: string;
}
interface EventList {
  object: "list";
  has_more: boolean;
  data: CacheEventJson[];
}

async function events(key: string, tenantId: string, query = ""): Promise<EventList> {
  const res = await adminAs(key, `/tenants/${tenantId}/cache/events${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as EventList;
}

describe("GET /admin/tenants/{id}/cache/events", () => {
  it("lists real answers newest first with their outcome, key, savings and preview", async () => {
    const t = await createConsoleTenant({ cache: { mode: "exact" } });
    const question = "Which river flows through Vienna?";
    expect((await postChat(t.key, ask(question))).headers.get("x-cache")).toBe("MISS");
    expect((await postChat(t.key, ask(question))).headers.get("x-cache")).toBe("HIT");
    const off = await postChat(t.key, ask("Not cached", { stream: true }), { "x-cache-mode": "off" });
    expect(off.headers.get("x-cache")).toBe("BYPASS");
    await off.text();

    const list = await eventually(
      () => events(t.consoleKey, t.id),
      (v) => v.data.length >= 3,
    );
    expect(list.has_more).toBe(false);
    expect(list.data.map((e) => e.outcome)).toEqual(["bypass", "hit", "miss"]);
    const [bypass, hit, miss] = list.data as [CacheEventJson, CacheEventJson, CacheEventJson];
    expect(miss).toMatchObject({
      object: "cache.event",
      endpoint: "/v1/chat/completions",
      model: "gpt-4o-mini",
      stored: true,
      stream: false,
      similarity: null,
      shadow: null,
      input_tokens_saved: 0,
      preview: question,
    });
    expect(miss.key).toMatch(/^[0-9a-f]{16}$/);
    expect(hit).toMatchObject({ outcome: "hit", stored: false, key: miss.key, preview: question });
    expect(hit.input_tokens_saved).toBeGreaterThan(0);
    expect(hit.output_tokens_saved).toBeGreaterThan(0);
    // A request that kept itself out of the cache leaves no prompt text in the log.
    expect(bypass).toMatchObject({ stream: true, stored: false, key: null, preview: "" });
    for (const e of list.data) {
      expect(e.id).toMatch(/^cev_\d+$/);
      expect(e.latency_ms).toBeTypeOf("number");
    }
    expect(list.data.map((e) => e.at)).toEqual([...list.data.map((e) => e.at)].sort((a, b) => b - a));
  });

  it("keeps no prompt text when the tenant turns event previews off", async () => {
    const t = await createConsoleTenant({ cache: { mode: "exact", event_previews: false } });
    expect((await postChat(t.key, ask("A private question"))).headers.get("x-cache")).toBe("MISS");
    expect((await postChat(t.key, ask("A private question"))).headers.get("x-cache")).toBe("HIT");
    const list = await eventually(
      () => events(t.consoleKey, t.id),
      (v) => v.data.length >= 2,
    );
    expect(list.data.map((e) => [e.outcome, e.preview])).toEqual([
      ["hit", ""],
      ["miss", ""],
    ]);
  });

  it("logs no events for a tenant whose cache is off, unless a request turns it on", async () => {
    const t = await createConsoleTenant();
    for (const q of ["first", "second"])
      expect((await postChat(t.key, ask(q))).headers.get("x-cache")).toBe("BYPASS");
    const asked = await postChat(t.key, ask("third"), { "x-cache-mode": "exact" });
    expect(asked.headers.get("x-cache")).toBe("MISS");
    const list = await eventually(
      () => events(t.consoleKey, t.id),
      (v) => v.data.length >= 1,
    );
    expect(list.data.map((e) => [e.outcome, e.preview])).toEqual([["miss", "third"]]);
  });

  it("pages with limit and before", async () => {
    const t = await createConsoleTenant({ cache: { mode: "exact" } });
    for (const q of ["one", "two", "three"]) await postChat(t.key, ask(q));
    const all = await eventually(
      () => events(t.consoleKey, t.id),
      (v) => v.data.length >= 3,
    );
    const first = await events(t.consoleKey, t.id, "?limit=2");
    expect(first.has_more).toBe(true);
    expect(first.data.map((e) => e.id)).toEqual(all.data.slice(0, 2).map((e) => e.id));
    const rest = await events(t.consoleKey, t.id, `?limit=2&before=${first.data[1]?.id}`);
    expect(rest.has_more).toBe(false);
    expect(rest.data.map((e) => e.preview)).toEqual(["one"]);
  });

  it("refuses bad input with an OpenAI-shaped 400 naming the parameter", async () => {
    const t = await createConsoleTenant();
    for (const [query, param] of [
      ["?limit=500", "limit"],
      ["?limit=0", "limit"],
      ["?before=42", "before"],
    ] as const) {
      const res = await adminAs(t.consoleKey, `/tenants/${t.id}/cache/events${query}`);
      expect([query, res.status]).toEqual([query, 400]);
      expect(await errorOf(res)).toMatchObject({ type: "invalid_request_error", param });
    }
  });

  it(`keeps the last ${CACHE_EVENTS_KEPT} events of a tenant`, async () => {
    const t = await createConsoleTenant();
    const other = await createConsoleTenant();
    const event = (tenantId: string, i: number): CacheEvent => ({
      tenantId,
      at: i,
      endpoint: "/v1/chat/completions",
      model: "gpt-4o-mini",
      outcome: "miss",
      stored: true,
      stream: false,
      similarity: null,
      key: "0123456789abcdef0123",
      inputTokensSaved: 0,
      outputTokensSaved: 0,
      latencyMs: 1,
      shadow: null,
      preview: `q${i}`,
    });
    await env.DB.batch(eventStatements(env.DB, [event(other.id, 0)]));
    const many = Array.from({ length: CACHE_EVENTS_KEPT + 5 }, (_, i) => event(t.id, i));
    await env.DB.batch(eventStatements(env.DB, many));
    const count = async (tenantId: string) =>
      (
        await env.DB.prepare("SELECT COUNT(*) AS n FROM cache_events WHERE tenant_id = ?")
          .bind(tenantId)
          .first<{ n: number }>()
      )?.n;
    expect(await count(t.id)).toBe(CACHE_EVENTS_KEPT);
    expect(await count(other.id)).toBe(1);
    const newest = await events(t.consoleKey, t.id, "?limit=1");
    expect(newest.data[0]?.preview).toBe(`q${CACHE_EVENTS_KEPT + 4}`);
  });
});

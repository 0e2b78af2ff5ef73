import { beforeEach, describe, expect, it, vi } from "vitest";
import { ask, postChat } from "./helpers/chat";
import { admin, createTenant, errorOf, sdk } from "./helpers/gateway";
import { sim } from "./helpers/sim";

const ROUTE = "POST /v1/chat/completions";
const exact = { cache: { mode: "exact" } };

beforeEach(() => sim.reset());

describe("exact cache", () => {
  it("serves a repeated request from the cache with Age and without calling the provider", async () => {
    const { key } = await createTenant(exact);
    const first = await postChat(key, ask("What is an edge gateway?"));
    expect(first.headers.get("x-cache")).toBe("MISS");
    const firstBody = await first.json();
    const second = await postChat(key, ask("What is an edge gateway?"));
    expect(second.headers.get("x-cache")).toBe("HIT");
    // Age is present and a count of whole seconds (RFC 9111 delta-seconds).
    const age = second.headers.get("age");
    expect(age).toMatch(/^\d+$/);
    expect(Number(age)).toBeGreaterThanOrEqual(0);
    expect(await second.json()).toEqual(firstBody);
    expect(await sim.requests(ROUTE)).toBe(1);
  });

  it("keys alike requests alike: key order, explicit defaults and transport fields do not matter", async () => {
    const { key } = await createTenant(exact);
    await postChat(key, { model: "gpt-4o-mini", messages: [{ role: "user", content: "order test" }] });
    const reordered = await postChat(key, {
      temperature: 1,
      messages: [{ content: [{ type: "text", text: "order test" }], role: "user" }],
      top_p: 1,
      n: 1,
      store: false,
      metadata: { trace: "x" },
      model: "gpt-4o-mini",
    });
    expect(reordered.headers.get("x-cache")).toBe("HIT");
    const different = await postChat(key, ask("order test", { temperature: 0.2 }));
    expect(different.headers.get("x-cache")).toBe("MISS");
  });

  it("never shares entries across tenants", async () => {
    const a = await createTenant(exact);
    const b = await createTenant(exact);
    await postChat(a.key, ask("tenant isolation"));
    expect((await postChat(b.key, ask("tenant isolation"))).headers.get("x-cache")).toBe("MISS");
    expect(await sim.requests(ROUTE)).toBe(2);
  });

  it("keeps end users apart unless the tenant shares entries across users", async () => {
    const own = await createTenant(exact);
    await postChat(own.key, ask("per user"), { "x-user-id": "u1" });
    expect((await postChat(own.key, ask("per user"), { "x-user-id": "u2" })).headers.get("x-cache")).toBe(
      "MISS",
    );
    expect((await postChat(own.key, ask("per user"), { "x-user-id": "u1" })).headers.get("x-cache")).toBe(
      "HIT",
    );
    const shared = await createTenant({ cache: { mode: "exact", share_across_users: true } });
    await postChat(shared.key, ask("per user"), { "x-user-id": "u1" });
    expect((await postChat(shared.key, ask("per user"), { "x-user-id": "u2" })).headers.get("x-cache")).toBe(
      "HIT",
    );
  });

  it("is off unless the tenant or the request turns it on", async () => {
    const { key } = await createTenant();
    await postChat(key, ask("off by default"));
    const again = await postChat(key, ask("off by default"));
    expect(again.headers.get("x-cache")).toBe("BYPASS");
    await postChat(key, ask("on by header"), { "x-cache-mode": "exact" });
    expect(
      (await postChat(key, ask("on by header"), { "x-cache-mode": "exact" })).headers.get("x-cache"),
    ).toBe("HIT");
  });
});

describe("request controls", () => {
  it("no-store neither reads nor writes", async () => {
    const { key } = await createTenant(exact);
    const bypass = await postChat(key, ask("no-store"), { "cache-control": "no-store" });
    expect(bypass.headers.get("x-cache")).toBe("BYPASS");
    expect((await postChat(key, ask("no-store"))).headers.get("x-cache")).toBe("MISS");
  });

  it("no-cache skips the read and refreshes the entry", async () => {
    const { key } = await createTenant(exact);
    await postChat(key, ask("refresh me"));
    const refreshed = await postChat(key, ask("refresh me"), { "cache-control": "no-cache" });
    expect(refreshed.headers.get("x-cache")).toBe("MISS");
    expect(await sim.requests(ROUTE)).toBe(2);
    expect((await postChat(key, ask("refresh me"))).headers.get("x-cache")).toBe("HIT");
  });

  it("only-if-cached answers 504 on a miss and the entry on a hit", async () => {
    const { key } = await createTenant(exact);
    const miss = await postChat(key, ask("only cached"), { "cache-control": "only-if-cached" });
    expect(miss.status).toBe(504);
    expect((await errorOf(miss)).code).toBe("cache_miss");
    expect(await sim.requests(ROUTE)).toBe(0);
    await postChat(key, ask("only cached"));
    const hit = await postChat(key, ask("only cached"), { "cache-control": "only-if-cached" });
    expect(hit.headers.get("x-cache")).toBe("HIT");
  });

  it("honours max-age and X-Cache-TTL in seconds", async () => {
    const { key } = await createTenant(exact);
    // The gateway's clock moves on instead of the test waiting for it (entries carry their creation time).
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      await postChat(key, ask("short lived"), { "x-cache-ttl": "1" });
      expect((await postChat(key, ask("short lived"))).headers.get("x-cache")).toBe("HIT");
      vi.setSystemTime(Date.now() + 1_100);
      expect((await postChat(key, ask("short lived"))).headers.get("x-cache")).toBe("MISS");
      // Stored again (default TTL): a hit until it is older than the request's max-age.
      expect((await postChat(key, ask("short lived"))).headers.get("x-cache")).toBe("HIT");
      vi.setSystemTime(Date.now() + 1_100);
      const young = await postChat(key, ask("short lived"), { "cache-control": "max-age=0" });
      expect(young.headers.get("x-cache")).toBe("MISS");
    } finally {
      vi.useRealTimers();
    }
  });

  it("refuses malformed cache headers with 400 naming the header", async () => {
    const { key } = await createTenant(exact);
    const mode = await postChat(key, ask("x"), { "x-cache-mode": "sometimes" });
    expect(mode.status).toBe(400);
    expect((await errorOf(mode)).param).toBe("X-Cache-Mode");
    const ttl = await postChat(key, ask("x"), { "x-cache-ttl": "0" });
    expect((await errorOf(ttl)).param).toBe("X-Cache-TTL");
    const maxAge = await postChat(key, ask("x"), { "cache-control": "max-age=soon" });
    expect((await errorOf(maxAge)).param).toBe("Cache-Control");
  });

  it("purges a tenant's whole cache at once", async () => {
    const tenant = await createTenant(exact);
    await postChat(tenant.key, ask("purge me"));
    const purged = await admin(`/tenants/${tenant.id}/cache`, "DELETE");
    expect(purged.status).toBe(200);
    expect((await postChat(tenant.key, ask("purge me"))).headers.get("x-cache")).toBe("MISS");
    expect((await admin("/tenants/ten_nope/cache", "DELETE")).status).toBe(404);
  });
});

describe("what is never stored", () => {
  it("does not store error answers", async () => {
    const { key } = await createTenant(exact);
    await sim.fault({ route: ROUTE, errorStatus: 500, count: 3 });
    expect((await postChat(key, ask("flaky"))).status).toBe(500);
    const next = await postChat(key, ask("flaky"));
    expect(next.status).toBe(200);
    expect(next.headers.get("x-cache")).toBe("MISS");
  });

  it("does not store a stream the provider cut", async () => {
    const { key } = await createTenant(exact);
    await sim.fault({ route: ROUTE, cutStreamAfterEvents: 2, count: 1 });
    const cut = await postChat(key, ask("cut story", { stream: true }));
    await cut.text().catch(() => "");
    const next = await postChat(key, ask("cut story", { stream: true }));
    expect(next.headers.get("x-cache")).toBe("MISS");
    expect(await next.text()).toContain("[DONE]");
  });
});

describe("streaming fidelity", () => {
  it("replays a JSON answer as a stream the SDK assembles into the same message, with usage", async () => {
    const { key } = await createTenant(exact);
    const client = sdk(key);
    const body = { model: "gpt-4o-mini", messages: [{ role: "user" as const, content: "replay as stream" }] };
    const plain = await client.chat.completions.create(body);
    const stream = client.chat.completions.stream({ ...body, stream_options: { include_usage: true } });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]?.message.content).toBe(plain.choices[0]?.message.content);
    expect(final.usage).toEqual(plain.usage);
    expect(await sim.requests(ROUTE)).toBe(1);
  });

  it("stores a streamed miss and replays it as JSON, tool calls included", async () => {
    const { key } = await createTenant(exact);
    const client = sdk(key);
    const tools = [
      {
        type: "function" as const,
        function: {
          name: "get_weather",
          parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
        },
      },
    ];
    const messages = [{ role: "user" as const, content: "Call get_weather for Paris" }];
    const streamed = await client.chat.completions
      .stream({ model: "gpt-4o-mini", messages, tools })
      .finalChatCompletion();
    const call = streamed.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === "function" && call.function.name).toBe("get_weather");
    const res = await postChat(key, { model: "gpt-4o-mini", messages, tools });
    expect(res.headers.get("x-cache")).toBe("HIT");
    const json = (await res.json()) as typeof streamed;
    expect(json.choices[0]?.message.tool_calls).toEqual(streamed.choices[0]?.message.tool_calls);
    expect(json.choices[0]?.finish_reason).toBe("tool_calls");
  });

  it("replays tool calls and refusals as SSE that the SDK's stream helper assembles like the original", async () => {
    const { key } = await createTenant(exact);
    const client = sdk(key);
    const tools = [
      {
        type: "function" as const,
        function: {
          name: "lookup_order",
          parameters: { type: "object", properties: { id: { type: "string" } } },
        },
      },
    ];
    const originals = [];
    for (const content of ["Please call lookup_order for order 42", "I want you to refuse this request"]) {
      const body = { model: "gpt-4o-mini", messages: [{ role: "user" as const, content }], tools };
      const plain = await client.chat.completions.create(body);
      originals.push(plain.choices[0]?.message);
      const replayed = await client.chat.completions.stream(body).finalChatCompletion();
      expect(replayed.choices[0]?.message.tool_calls ?? []).toEqual(
        plain.choices[0]?.message.tool_calls ?? [],
      );
      expect(replayed.choices[0]?.message.refusal ?? null).toBe(plain.choices[0]?.message.refusal ?? null);
      expect(replayed.choices[0]?.message.content ?? null).toBe(plain.choices[0]?.message.content ?? null);
      expect(replayed.choices[0]?.finish_reason).toBe(plain.choices[0]?.finish_reason);
    }
    expect(originals[0]?.tool_calls).toHaveLength(1);
    expect(originals[1]?.refusal).toBeTruthy();
    expect(await sim.requests(ROUTE)).toBe(2);
  });

  it("leaves out the usage chunk it asked for when the client did not", async () => {
    const { key } = await createTenant(exact);
    const res = await postChat(key, ask("usage chunk", { stream: true }));
    const text = await res.text();
    expect(text).not.toContain('"choices":[]');
    const withUsage = await postChat(
      key,
      ask("usage chunk", { stream: true, stream_options: { include_usage: true } }),
    );
    expect(withUsage.headers.get("x-cache")).toBe("HIT");
    expect(await withUsage.text()).toContain('"choices":[]');
  });

  it("replays responses and embeddings too", async () => {
    const { key } = await createTenant(exact);
    const client = sdk(key);
    const first = await client.responses.create({ model: "gpt-4o-mini", input: "cache the responses API" });
    const stream = client.responses.stream({ model: "gpt-4o-mini", input: "cache the responses API" });
    expect((await stream.finalResponse()).output_text).toBe(first.output_text);
    const e1 = await client.embeddings.create({ model: "text-embedding-3-small", input: "vector" });
    const e2 = await client.embeddings.create({ model: "text-embedding-3-small", input: "vector" });
    expect(e2.data[0]?.embedding).toEqual(e1.data[0]?.embedding);
    expect(await sim.requests("POST /v1/responses")).toBe(1);
    expect(await sim.requests("POST /v1/embeddings")).toBe(1);
  });

  it("never serves a queued background response to a plain request, nor caches one", async () => {
    const { key } = await createTenant(exact);
    const client = sdk(key);
    const input = "a background answer is not a finished answer";
    const queued = await client.responses.create({
      model: "gpt-4o-mini",
      input,
      background: true,
      store: true,
    });
    expect(queued.status).toBe("queued");
    const plain = await client.responses.create({ model: "gpt-4o-mini", input });
    expect(plain.status).toBe("completed");
    expect(plain.id).not.toBe(queued.id);
    const again = await client.responses.create({
      model: "gpt-4o-mini",
      input,
      background: true,
      store: true,
    });
    expect(again.id).not.toBe(queued.id);
    expect(await sim.requests("POST /v1/responses")).toBe(3);
  });
});

describe("coalescing", () => {
  it("makes 20 identical concurrent requests one provider call", async () => {
    const { key } = await createTenant(exact);
    await sim.fault({ route: ROUTE, latencyMs: 300, count: 1 });
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        postChat(key, ask("coalesce us")).then(async (r) => ({ r, body: await r.json() })),
      ),
    );
    expect(await sim.requests(ROUTE)).toBe(1);
    const statuses = results.map(({ r }) => r.headers.get("x-cache")).sort();
    expect(statuses.filter((s) => s === "MISS")).toHaveLength(1);
    expect(statuses.filter((s) => s === "COALESCED")).toHaveLength(19);
    for (const { body } of results) expect(body).toEqual(results[0]?.body);
  });

  it("streams the whole answer to coalesced streaming joiners", async () => {
    const { key } = await createTenant(exact);
    await sim.fault({ route: ROUTE, latencyMs: 300, count: 1 });
    const texts = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const stream = await sdk(key).chat.completions.create({
          model: "gpt-4o-mini",
          messages: [{ role: "user", content: "stream together" }],
          stream: true,
        });
        let text = "";
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
        return text;
      }),
    );
    expect(await sim.requests(ROUTE)).toBe(1);
    expect(new Set(texts).size).toBe(1);
    expect(texts[0]).not.toBe("");
  });

  it("releases the waiters of a failed leader to try themselves", async () => {
    const { key } = await createTenant(exact);
    await sim.fault({ route: ROUTE, latencyMs: 300, errorStatus: 500, count: 3 });
    const results = await Promise.all(Array.from({ length: 6 }, () => postChat(key, ask("failing leader"))));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 500)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
  });
});

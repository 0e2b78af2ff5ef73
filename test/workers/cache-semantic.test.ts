import { beforeEach, describe, expect, it } from "vitest";
import { ask, postChat } from "./helpers/chat";
import { admin, createTenant } from "./helpers/gateway";
import { sim } from "./helpers/sim";

const semantic = { cache: { mode: "semantic", semantic: { threshold: 0.9 } } };

beforeEach(() => sim.reset());

async function statsOf(tenantId: string) {
  // Counters are written after the response; give waitUntil work a moment.
  await new Promise((r) => setTimeout(r, 50));
  return (await (await admin(`/tenants/${tenantId}/stats`)).json()) as Record<string, unknown> & {
    shadow: { checks: number; false_hits: number; false_hit_rate: number | null };
  };
}

describe("semantic cache", () => {
  it("serves a near-identical question as SEMANTIC_HIT with its similarity", async () => {
    const { key } = await createTenant(semantic);
    await postChat(key, ask("What is the capital city of France?"));
    const near = await postChat(key, ask("what is the capital city of france"));
    expect(near.headers.get("x-cache")).toBe("SEMANTIC_HIT");
    expect(Number(near.headers.get("x-cache-similarity"))).toBeGreaterThanOrEqual(0.9);
    expect(await sim.requests("POST /v1/chat/completions")).toBe(1);
  });

  it("refuses hits whose questions differ in negation, numbers or named entities", async () => {
    const { key } = await createTenant({ cache: { mode: "semantic", semantic: { threshold: 0.5 } } });
    await postChat(key, ask("Is the museum open on Monday?"));
    expect((await postChat(key, ask("Is the museum not open on Monday?"))).headers.get("x-cache")).toBe(
      "MISS",
    );
    await postChat(key, ask("Book 2 tickets for the concert"));
    expect((await postChat(key, ask("Book 3 tickets for the concert"))).headers.get("x-cache")).toBe("MISS");
    await postChat(key, ask("Tell me about the history of Paris"));
    expect((await postChat(key, ask("Tell me about the history of Rome"))).headers.get("x-cache")).toBe(
      "MISS",
    );
  });

  it("partitions by everything but the last user message: another system prompt never hits", async () => {
    const { key } = await createTenant(semantic);
    const q = (system: string, user: string) => ({
      model: "gpt-4o-mini",
      messages: [
        { role: "system", content: system },
        { role: "user", content: user },
      ],
    });
    await postChat(key, q("You answer in English.", "How tall is the tower?"));
    expect(
      (await postChat(key, q("You answer in French.", "How tall is the tower?"))).headers.get("x-cache"),
    ).toBe("MISS");
    expect(
      (await postChat(key, q("You answer in English.", "how tall is the tower"))).headers.get("x-cache"),
    ).toBe("SEMANTIC_HIT");
  });

  it("answers as a plain miss when the embeddings API cannot be reached", async () => {
    const { key } = await createTenant(semantic);
    await sim.fault({ route: "POST /v1/embeddings", refuseConnection: true, count: 10 });
    const res = await postChat(key, ask("Will this still be answered?"));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-cache")).toBe("MISS");
  });

  it("embeds identical question texts once", async () => {
    const { key } = await createTenant(semantic);
    await postChat(key, ask("Embed me once please"));
    await postChat(key, ask("Embed me once please", { temperature: 0.3 }));
    expect(await sim.requests("POST /v1/embeddings")).toBe(1);
  });

  it("in shadow mode serves fresh answers and records whether the would-be hit matched", async () => {
    const tenant = await createTenant({
      cache: { mode: "semantic", semantic: { threshold: 0.9, shadow: true } },
    });
    await postChat(tenant.key, ask("How do I reset my password?"));
    const shadowed = await postChat(tenant.key, ask("how do i reset my password"));
    expect(shadowed.headers.get("x-cache")).toBe("MISS");
    expect(await sim.requests("POST /v1/chat/completions")).toBe(2);
    const stats = await statsOf(tenant.id);
    expect(stats.shadow.checks).toBe(1);
    expect(stats.shadow.false_hit_rate).not.toBeNull();
  });
});

describe("provider prefix caching and stats", () => {
  const longSystem = `You are a support agent. ${"Policy sentence about refunds and shipping. ".repeat(220)}`;
  const withSystem = (user: string) => ({
    model: "gpt-4o-mini",
    messages: [
      { role: "system", content: longSystem },
      { role: "user", content: user },
    ],
  });

  it("derives a prompt_cache_key so alike prompts reuse the provider's prefix cache, and records cached tokens", async () => {
    const tenant = await createTenant();
    await postChat(tenant.key, withSystem("first question"));
    const second = (await (await postChat(tenant.key, withSystem("second question"))).json()) as {
      usage: { prompt_tokens_details: { cached_tokens: number } };
    };
    expect(second.usage.prompt_tokens_details.cached_tokens).toBeGreaterThanOrEqual(1024);
    const stats = await statsOf(tenant.id);
    expect(stats.upstream).toMatchObject({ cached_tokens: second.usage.prompt_tokens_details.cached_tokens });
  });

  it("counts hits, misses, bypasses and what the hits saved", async () => {
    const tenant = await createTenant(exact());
    await postChat(tenant.key, ask("count me"));
    await postChat(tenant.key, ask("count me"));
    await postChat(tenant.key, ask("count me"), { "cache-control": "no-store" });
    const stats = await statsOf(tenant.id);
    expect(stats).toMatchObject({ requests: 3, hits: 1, misses: 1, bypasses: 1 });
    expect((stats.tokens_saved as { input: number }).input).toBeGreaterThan(0);
    expect(stats.cost_saved_usd).toBeGreaterThan(0);
  });
});

function exact() {
  return { cache: { mode: "exact" } };
}

import { APIError } from "openai";
import type { ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions";
import { beforeEach, describe, expect, it } from "vitest";
import { admin, createTenant, sdk } from "./helpers/gateway";
import { eventually } from "./helpers/realtime";
import { sim } from "./helpers/sim";

/** A system prompt long enough (over 1,024 tokens) for the provider's prefix cache. */
const SYSTEM = Array.from({ length: 1400 }, (_, i) => `rule${i % 97}`).join(" ");

const request = (
  extra: Partial<ChatCompletionCreateParamsNonStreaming> = {},
): ChatCompletionCreateParamsNonStreaming => ({
  model: "gpt-5.6",
  messages: [
    {
      role: "system",
      content: [{ type: "text", text: SYSTEM, prompt_cache_breakpoint: { mode: "explicit" } }],
    },
    { role: "user", content: "What is rule 3?" },
  ],
  ...extra,
});

interface Stats {
  upstream: {
    input_tokens: number;
    cached_tokens: number;
    cache_write_tokens: number;
    cache_write_extra_usd: number;
  };
}

beforeEach(() => sim.reset());

describe("2026 prompt-caching fields", () => {
  it("passes prompt_cache_options and block breakpoints through, and records cache writes priced at 1.25x input", async () => {
    const tenant = await createTenant();
    const client = sdk(tenant.key);
    const first = await client.chat.completions.create(
      request({ prompt_cache_options: { mode: "explicit", ttl: "30m" } }),
    );
    const written = first.usage?.prompt_tokens_details?.cache_write_tokens ?? 0;
    expect(written).toBeGreaterThanOrEqual(1024);
    expect(first.usage?.prompt_tokens_details?.cached_tokens).toBe(0);
    const second = await client.chat.completions.create(
      request({ prompt_cache_options: { mode: "explicit", ttl: "30m" } }),
    );
    // The gateway's derived prompt_cache_key routes both to the same cache: the second reads what the first wrote.
    expect(second.usage?.prompt_tokens_details?.cached_tokens).toBe(written);
    expect(second.usage?.prompt_tokens_details?.cache_write_tokens).toBe(0);
    const stats = await eventually(
      async () => (await (await admin(`/tenants/${tenant.id}/stats`)).json()) as Stats,
      (s) => s.upstream.cache_write_tokens > 0 && s.upstream.cached_tokens > 0,
    );
    expect(stats.upstream.cache_write_tokens).toBe(written);
    expect(stats.upstream.cached_tokens).toBe(written);
    // gpt-5.6 is priced as gpt-5 ($1.25 per 1M input): a write costs 0.25 x that on top.
    expect(stats.upstream.cache_write_extra_usd).toBeCloseTo((written * 1.25 * 0.25) / 1_000_000, 9);
  });

  it("passes prompt_cache_retention untouched beside the derived prompt_cache_key", async () => {
    const tenant = await createTenant();
    const client = sdk(tenant.key);
    const extended = await client.chat.completions.create(request({ prompt_cache_retention: "24h" }));
    expect(extended.choices[0]?.message.content).toBeTruthy();
    // The provider accepts only 24h on GPT-5.5 and later: it saw exactly what the client sent.
    const err = await client.chat.completions
      .create(request({ prompt_cache_retention: "in_memory" }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    expect((err as APIError).status).toBe(400);
    expect((err as APIError).param).toBe("prompt_cache_retention");
  });

  it("never adds a retention to a request with prompt_cache_options.ttl, and relays the provider's refusal of both", async () => {
    const tenant = await createTenant();
    const client = sdk(tenant.key);
    const ttlOnly = await client.chat.completions.create(request({ prompt_cache_options: { ttl: "30m" } }));
    expect(ttlOnly.usage?.prompt_tokens_details?.cache_write_tokens).toBeGreaterThan(0);
    const both = await client.chat.completions
      .create(request({ prompt_cache_options: { ttl: "30m" }, prompt_cache_retention: "24h" }))
      .catch((e: unknown) => e);
    expect(both).toBeInstanceOf(APIError);
    expect((both as APIError).status).toBe(400);
    expect((both as APIError).param).toBe("prompt_cache_options.ttl");
  });
});

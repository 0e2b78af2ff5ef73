import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalRequest, exactKey } from "./key";

const scope = { tenantId: "ten_a", generation: 0, userId: null };
const key = (body: Record<string, unknown>) => exactKey("chat", scope, canonicalRequest("chat", body));

function shuffleKeys(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((v) => shuffleKeys(v, seed));
  if (typeof value !== "object" || value === null) return value;
  const entries = Object.entries(value);
  const rotated = entries.map((_, i) => entries[(i + seed) % entries.length] as [string, unknown]);
  return Object.fromEntries(rotated.map(([k, v]) => [k, shuffleKeys(v, seed + 1)]));
}

const message = fc.record({
  role: fc.constantFrom("system", "user", "assistant"),
  content: fc.string({ minLength: 1, maxLength: 40 }),
});
const request = fc.record(
  {
    model: fc.constantFrom("gpt-4o-mini", "gpt-4o"),
    messages: fc.array(message, { minLength: 1, maxLength: 4 }),
    temperature: fc.double({ min: 0, max: 2, noNaN: true }),
    max_tokens: fc.integer({ min: 1, max: 4096 }),
    seed: fc.integer(),
    stop: fc.array(fc.string({ minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 4 }),
  },
  { requiredKeys: ["model", "messages"] },
);

describe("exact cache key", () => {
  it("is stable under key reordering", async () => {
    await fc.assert(
      fc.asyncProperty(request, fc.nat(10), async (body, seed) => {
        expect(await key(shuffleKeys(body, seed) as Record<string, unknown>)).toBe(await key(body));
      }),
      { numRuns: 150 },
    );
  });

  it("is stable when defaults are filled in and transport fields are added", async () => {
    await fc.assert(
      fc.asyncProperty(request, fc.boolean(), async (body, includeUsage) => {
        const filled = {
          top_p: 1,
          n: 1,
          presence_penalty: 0,
          frequency_penalty: 0,
          logprobs: false,
          response_format: { type: "text" },
          ...body,
          temperature: body.temperature ?? 1,
          stream: true,
          stream_options: { include_usage: includeUsage },
          user: "someone",
          metadata: { a: "b" },
        };
        const plain = { ...body, temperature: body.temperature ?? 1 };
        expect(await key(filled)).toBe(await key(plain));
      }),
      { numRuns: 150 },
    );
  });

  it("changes when any output-affecting field changes", async () => {
    const mutations: [string, (b: Record<string, unknown>) => Record<string, unknown>][] = [
      ["model", (b) => ({ ...b, model: `${b.model}-x` })],
      [
        "messages",
        (b) => ({ ...b, messages: [...(b.messages as unknown[]), { role: "user", content: "more" }] }),
      ],
      ["temperature", (b) => ({ ...b, temperature: ((b.temperature as number | undefined) ?? 1) + 0.5 })],
      ["max_tokens", (b) => ({ ...b, max_tokens: ((b.max_tokens as number | undefined) ?? 1) + 1 })],
      ["seed", (b) => ({ ...b, seed: ((b.seed as number | undefined) ?? 0) + 1 })],
      ["tools", (b) => ({ ...b, tools: [{ type: "function", function: { name: "f", parameters: {} } }] })],
      ["response_format", (b) => ({ ...b, response_format: { type: "json_object" } })],
      ["stop", (b) => ({ ...b, stop: ["zzzz-unique"] })],
    ];
    await fc.assert(
      fc.asyncProperty(request, fc.constantFrom(...mutations), async (body, [, mutate]) => {
        expect(await key(mutate(body))).not.toBe(await key(body));
      }),
      { numRuns: 150 },
    );
  });

  it("differs across tenants, generations and end users", async () => {
    const body = { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] };
    const c = canonicalRequest("chat", body);
    const keys = await Promise.all([
      exactKey("chat", scope, c),
      exactKey("chat", { ...scope, tenantId: "ten_b" }, c),
      exactKey("chat", { ...scope, generation: 1 }, c),
      exactKey("chat", { ...scope, userId: "u1" }, c),
      exactKey("responses", scope, c),
    ]);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("keeps a null inside a JSON Schema, which means something there, and drops the request's own nulls", async () => {
    const tool = (properties: Record<string, unknown>) => ({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hi" }],
      tools: [{ type: "function", function: { name: "f", parameters: { type: "object", properties } } }],
    });
    const plain = tool({ a: { type: ["string", "null"] } });
    const withDefault = tool({ a: { type: ["string", "null"], default: null } });
    expect(await key(withDefault)).not.toBe(await key(plain));
    const schema = (extra: Record<string, unknown>) => ({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hi" }],
      response_format: {
        type: "json_schema",
        json_schema: { name: "s", schema: { type: "object", properties: { b: { const: null, ...extra } } } },
      },
    });
    expect(await key(schema({}))).not.toBe(await key({ ...schema({}), response_format: undefined }));
    expect(await key(schema({ description: "x" }))).toBe(await key(schema({ description: "x" })));
    // Outside a schema, null is absent as before (a key made before this rule stays the same).
    expect(await key({ ...plain, seed: null, temperature: null })).toBe(await key(plain));
  });
});

/**
 * Streamed logprobs kept whole: a streamed answer served later from the cache as JSON, and a stored
 * completion captured from a stream, carry every token's logprob (they kept only the last chunk's).
 */
import type { ChatCompletion } from "openai/resources/chat/completions";
import { describe, expect, it } from "vitest";
import { storedCompletion } from "./helpers/captures";
import { createTenant, sdk } from "./helpers/gateway";

const request = {
  model: "gpt-4o-mini",
  messages: [{ role: "user" as const, content: "Explain tides in a few sentences, with logprobs" }],
  logprobs: true,
  top_logprobs: 2,
};

describe("streamed logprobs", () => {
  it("keeps every logprob in the cache and in the captured completion", async () => {
    const reference = await sdk((await createTenant()).key).chat.completions.create(request);
    const expected = reference.choices[0]?.logprobs?.content ?? [];
    expect(expected.length).toBeGreaterThan(10);

    const { key } = await createTenant({ cache: { mode: "exact" }, distillation: { capture_all: true } });
    const client = sdk(key);
    const stream = await client.chat.completions.create({ ...request, stream: true });
    let id = "";
    for await (const chunk of stream) id = chunk.id;

    const { data: cached, response } = await client.chat.completions.create(request).withResponse();
    expect(response.headers.get("x-cache")).toBe("HIT");
    expect(cached.choices[0]?.logprobs?.content).toEqual(expected);

    const stored = await storedCompletion(key, id);
    const completion = (await stored.json()) as ChatCompletion;
    expect(completion.choices[0]?.logprobs?.content).toEqual(expected);
  });
});

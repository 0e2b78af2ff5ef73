import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BoundedMap } from "./bounded-map";
import { parseMultipart } from "./multipart";
import { PromptCache } from "./prompt-cache";
import { extractPhrases, fillSchema } from "./schema-fill";
import { composeReply, countTokens, splitPieces, tokenize, truncateTokens } from "./text";

describe("tokenizer", () => {
  it("is lossless for any string", () => {
    fc.assert(fc.property(fc.string({ unit: "grapheme" }), (text) => tokenize(text).join("") === text));
  });

  it("splits into word pieces and punctuation, roughly four characters per token", () => {
    expect(tokenize("Hello, world!")).toEqual(["Hello", ",", " world", "!"]);
    const text = "The quick brown fox jumps over the lazy dog. ".repeat(20);
    expect(countTokens(text) * 4).toBeGreaterThan(text.length * 0.6);
    expect(countTokens(text) * 4).toBeLessThan(text.length * 1.4);
  });

  it("truncates to a prefix of exactly n tokens and streams pieces that join back", () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 0, max: 50 }), (text, n) => {
        const cut = truncateTokens(text, n);
        return (
          text.startsWith(cut.text) &&
          countTokens(cut.text) === Math.min(n, countTokens(text)) &&
          cut.truncated === countTokens(text) > n
        );
      }),
    );
    const reply = composeReply("gpt-4o", "Tell me about rivers", "k");
    expect(splitPieces(reply).join("")).toBe(reply);
  });
});

describe("PromptCache", () => {
  const tokens = (n: number, tag = "a") => Array.from({ length: n }, (_, i) => `${tag}${i}`);

  it("reports 1024 + k·128 within the common prefix, per key and model", () => {
    const cache = new PromptCache();
    expect(cache.lookupAndStore("k", "m", tokens(1500))).toBe(0);
    expect(cache.lookupAndStore("k", "m", tokens(1500))).toBe(1408);
    expect(cache.lookupAndStore("k", "m", [...tokens(1200), ...tokens(400, "b")])).toBe(1152);
    expect(cache.lookupAndStore("other", "m", tokens(1500))).toBe(0);
    expect(cache.lookupAndStore("k", "m2", tokens(1500))).toBe(0);
    expect(cache.lookupAndStore("k", "m", [...tokens(1000), ...tokens(600, "c")])).toBe(0);
  });
});

describe("BoundedMap", () => {
  it("evicts the least recently used entry beyond its capacity", () => {
    const map = new BoundedMap<string, number>(2);
    map.set("a", 1);
    map.set("b", 2);
    map.get("a");
    map.set("c", 3);
    expect([map.has("a"), map.has("b"), map.has("c")]).toEqual([true, false, true]);
  });
});

describe("parseMultipart", () => {
  it("reads fields and files, quoted names included", () => {
    const body = Buffer.from(
      '--XYZ\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nfine-tune\r\n' +
        '--XYZ\r\nContent-Disposition: form-data; name="file"; filename="a \\"b\\".jsonl"\r\nContent-Type: application/jsonl\r\n\r\nline1\r\nline2\r\n' +
        "--XYZ--\r\n",
    );
    const form = parseMultipart(body, "XYZ");
    expect(form.fields.get("purpose")).toBe("fine-tune");
    expect(form.files.get("file")).toMatchObject({
      filename: 'a "b".jsonl',
      contentType: "application/jsonl",
    });
    expect(form.files.get("file")?.data.toString()).toBe("line1\r\nline2");
  });
});

describe("fillSchema", () => {
  it("takes proper nouns and numbers from the message and respects enums and bounds", () => {
    const text = "Book a table at Chez Panisse in San Francisco for 4 people";
    const value = fillSchema(
      {
        type: "object",
        properties: {
          restaurant: { type: "string" },
          city: { type: "string" },
          party_size: { type: "integer", maximum: 3 },
          kind: { enum: ["lunch", "dinner"] },
          note: { type: ["string", "null"], maxLength: 3 },
        },
        required: ["restaurant", "city", "party_size", "kind", "note"],
      },
      { reply: "ok", phrases: extractPhrases(text), numbers: [4] },
    );
    expect(value).toEqual({
      restaurant: "Chez Panisse",
      city: "San Francisco",
      party_size: 3,
      kind: "lunch",
      note: "tab",
    });
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { preview, previewOf } from "./events";

/** The preview read from the whole text: white space collapsed and trimmed, then cut to 120. */
function wholeTextPreview(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 120 ? `${flat.slice(0, 119)}…` : flat;
}

describe("cache event preview", () => {
  it("is the last user message, white space collapsed, cut to 120 characters with an ellipsis", () => {
    const body = {
      messages: [
        { role: "user", content: "first question" },
        { role: "assistant", content: "an answer" },
        { role: "user", content: `  second\n\n question\t${"x".repeat(200)}` },
      ],
    };
    const got = previewOf(body);
    expect(got).toBe(`second question ${"x".repeat(103)}…`);
    expect(got).toHaveLength(120);
  });

  it("reads any JSON the loose request schemas let through without throwing", () => {
    const odd: unknown[] = [null, 0, 7, "text", true, [], [null], [[{ text: "nested" }]], {}, { role: null }];
    for (const value of odd) {
      for (const body of [
        { messages: [value] },
        { messages: [{ role: "user", content: value }] },
        { messages: [{ role: "user", content: [value] }] },
        { input: [value] },
        { input: [{ role: "user", content: [value, { type: "input_text", text: "kept" }] }] },
        { input: value },
        { messages: value },
      ]) {
        expect(() => previewOf(body as Record<string, unknown>), JSON.stringify(body)).not.toThrow();
      }
    }
    const parts = [null, 3, "loose", [{ text: "in an array" }], { type: "image_url" }, { text: "said" }];
    expect(previewOf({ messages: [{ role: "user", content: parts }] })).toBe("[image] said");
    expect(previewOf({ messages: [null, { role: "user", content: [null] }] })).toBe("");
    expect(previewOf({ input: [null, 42, { role: "user", content: "last" }] })).toBe("last");
  });

  it("reads no further into a long message than it must, and gives what the whole text would", () => {
    const long = `${" \n".repeat(400)}start ${"word ".repeat(200_000)}`;
    expect(preview(long)).toBe(wholeTextPreview(long));
    expect(preview(`  short text  `)).toBe("short text");
  });

  it("equals the whole-text preview for any text, white space runs across window ends included", () => {
    const piece = fc.oneof(
      fc.constantFrom(" ", "\n", "\t", "  \n ", "a", "bc", "é", "…"),
      fc.string({ maxLength: 8 }),
      fc.integer({ min: 1, max: 3_000 }).map((n) => " ".repeat(n)),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 400 }), (parts) => {
        const text = parts.join("");
        expect(preview(text)).toBe(wholeTextPreview(text));
      }),
      { numRuns: 300 },
    );
  });
});

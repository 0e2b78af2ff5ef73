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

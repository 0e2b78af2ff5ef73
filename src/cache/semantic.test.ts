import { describe, expect, it } from "vitest";
import { splitQuestion } from "./semantic";

describe("splitQuestion", () => {
  it("takes the last user message's text parts as the question", () => {
    const parts = [
      { type: "text", text: "one" },
      { type: "text", text: "two" },
    ];
    const split = splitQuestion("chat", { model: "m", messages: [{ role: "user", content: parts }] });
    expect(split).toEqual({ partition: { model: "m", messages: [] }, question: "one\ntwo" });
  });

  it("asks no question of content parts that are not text objects, and never throws on them", () => {
    for (const part of [null, 3, "text", [], [{ type: "text", text: "nested" }], { type: "image_url" }]) {
      expect(splitQuestion("chat", { messages: [{ role: "user", content: [part] }] })).toBeNull();
      expect(splitQuestion("responses", { input: [{ role: "user", content: [part] }] })).toBeNull();
    }
  });
});

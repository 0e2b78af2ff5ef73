import { describe, expect, it } from "vitest";
import { refuseSemanticHit } from "./verify";

describe("semantic hit verifier", () => {
  it("accepts paraphrases that agree on negation, numbers and names", () => {
    expect(refuseSemanticHit("What is the capital of France?", "what's the capital of france")).toBeNull();
    expect(refuseSemanticHit("Give me 3 tips for sleep", "Could you give me 3 sleep tips?")).toBeNull();
  });

  it("refuses a negated question", () => {
    expect(refuseSemanticHit("Is it safe to eat raw eggs?", "Is it not safe to eat raw eggs?")).toBe(
      "negation",
    );
    expect(refuseSemanticHit("Can I park here?", "I can't park here?")).toBe("negation");
  });

  it("refuses other numbers", () => {
    expect(refuseSemanticHit("Convert 10 miles to km", "Convert 12 miles to km")).toBe("numbers");
    expect(refuseSemanticHit("Split 1,000 dollars", "Split 1000 dollars")).toBeNull();
  });

  it("refuses other named entities", () => {
    expect(refuseSemanticHit("Weather in Berlin today", "Weather in Munich today")).toBe("entities");
  });
});

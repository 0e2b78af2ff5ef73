import { describe, expect, it } from "vitest";
import { llamaTiles, openAiJobProfile, profileForModel, qwenResize } from "./profiles";

describe("open-weight image rules", () => {
  it("resizes like Qwen2.5-VL's smart_resize: sides to multiples of 28 within the pixel range", () => {
    expect(qwenResize(1024, 768)).toEqual({ width: 1036, height: 756 });
    expect(qwenResize(10, 10)).toEqual({ width: 56, height: 56 });
    const big = qwenResize(40_000, 30_000);
    expect(big.width % 28).toBe(0);
    expect(big.width * big.height).toBeLessThanOrEqual(16_384 * 28 * 28);
  });

  it("cuts Llama 3.2 Vision tiles: the canvas of at most 4 tiles that keeps the most resolution", () => {
    expect(llamaTiles(300, 300)).toBe(1);
    expect(llamaTiles(1120, 560)).toBe(2);
    expect(llamaTiles(1024, 768)).toBe(4);
    expect(llamaTiles(4000, 100)).toBe(4);
  });

  it("picks a profile from a base model's name", () => {
    expect(profileForModel("together/Qwen/Qwen2.5-VL-7B-Instruct")).toBe("qwen2.5-vl");
    expect(profileForModel("meta-llama/Llama-3.2-11B-Vision-Instruct")).toBe("llama-3.2-vision");
    expect(profileForModel("gemma-3-12b-it")).toBe("gemma-3");
    expect(profileForModel("gpt-4o-2024-08-06")).toBe("openai");
  });

  it("holds OpenAI-API jobs to an OpenAI-API profile", () => {
    expect(openAiJobProfile(undefined, "qwen2.5-vl", undefined)).toBe("openai");
    expect(openAiJobProfile(undefined, "azure-openai", undefined)).toBe("azure-openai");
    expect(openAiJobProfile("azure-openai", null, "gemma-3")).toBe("azure-openai");
    expect(openAiJobProfile(undefined, null, "gemma-3")).toBe("openai");
    expect(openAiJobProfile(undefined, null, undefined)).toBeNull();
  });
});

import { describe, expect, it } from "vitest";
import type { Bindings } from "../platform/env";
import { fineTuningProvider, providerForModel, providerKey, withProvider } from "./providers";

const env = {
  OPENAI_BASE_URL: "https://api.openai.com/v1",
  OPENAI_API_KEY: "sk-provider",
  FINE_TUNING_API_KEY: "sk-other",
} as Bindings;
const elsewhere = { distillation: { fine_tuning: { base_url: "https://ft.example.com/v1" } } };

describe("provider routing", () => {
  it("sends the gateway's provider key only to OPENAI_BASE_URL", () => {
    expect(providerKey(env, "https://api.openai.com/v1/")).toBe("sk-provider");
    expect(providerKey(env, "https://ft.example.com/v1")).toBe("sk-other");
    expect(providerKey({ ...env, FINE_TUNING_API_KEY: undefined }, "https://evil.example/v1")).toBe("");
  });

  it("routes fine-tuning calls to the tenant's base_url with the other key", () => {
    expect(fineTuningProvider(env, elsewhere)).toEqual({
      baseUrl: "https://ft.example.com/v1",
      apiKey: "sk-other",
    });
    expect(fineTuningProvider(env, {})).toEqual({ baseUrl: env.OPENAI_BASE_URL, apiKey: "sk-provider" });
  });

  it("serves ft: models from the API that trained them, everything else from the upstream", () => {
    expect(providerForModel(env, elsewhere, "ft:gpt-4o-mini:org:x:1").baseUrl).toBe(
      "https://ft.example.com/v1",
    );
    expect(providerForModel(env, elsewhere, "gpt-4o-mini").baseUrl).toBe(env.OPENAI_BASE_URL);
    expect(providerForModel(env, {}, "ft:gpt-4o-mini:org:x:1").baseUrl).toBe(env.OPENAI_BASE_URL);
  });

  it("rewrites only the upstream bindings", () => {
    const moved = withProvider(env, { baseUrl: "https://ft.example.com/v1", apiKey: "sk-other" });
    expect(moved).toMatchObject({ OPENAI_BASE_URL: "https://ft.example.com/v1", OPENAI_API_KEY: "sk-other" });
    expect(withProvider(env, { baseUrl: env.OPENAI_BASE_URL, apiKey: "sk-provider" })).toBe(env);
  });
});

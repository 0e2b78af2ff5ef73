import { describe, expect, it } from "vitest";
import type { StoredProvider } from "./repository";
import { assertCapability, targetIn } from "./resolve";

const provider = (
  name: string,
  models: string[] = [],
  capabilities: StoredProvider["capabilities"] = ["chat"],
) => ({ name, models, capabilities }) as StoredProvider;

describe("model routing to tenant providers", () => {
  const providers = [provider("together", ["llama-student"]), provider("lab")];

  it("splits provider/model at the first slash, keeping slashes in the model id", () => {
    const target = targetIn(providers, "together/meta-llama/Llama-3.1-8B");
    expect(target.provider?.name).toBe("together");
    expect(target.upstreamModel).toBe("meta-llama/Llama-3.1-8B");
    expect(target.name).toBe("together/meta-llama/Llama-3.1-8B");
  });

  it("names a bare id listed by a provider under that provider", () => {
    expect(targetIn(providers, "llama-student")).toMatchObject({
      name: "together/llama-student",
      upstreamModel: "llama-student",
    });
  });

  it("leaves every other model to the gateway's upstream", () => {
    expect(targetIn(providers, "gpt-4o-mini").provider).toBeNull();
    expect(targetIn(providers, "nobody/gpt-4o-mini")).toEqual({
      name: "nobody/gpt-4o-mini",
      upstreamModel: "nobody/gpt-4o-mini",
      provider: null,
    });
    expect(targetIn(providers, "lab/").provider).toBeNull();
  });

  it("refuses a call the provider is not registered for", () => {
    expect(() => assertCapability(targetIn(providers, "lab/text-embedding-3-small"), "embeddings")).toThrow(
      /not registered for embeddings/,
    );
    expect(() => assertCapability(targetIn(providers, "lab/gpt-4o"), "responses")).not.toThrow();
  });
});

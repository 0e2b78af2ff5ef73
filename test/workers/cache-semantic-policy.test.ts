/** The semantic cache's embedding model is a model call, bound by `allowed_models`. */
import { beforeEach, describe, expect, it } from "vitest";
import { ask, postChat } from "./helpers/chat";
import { admin, createTenant, errorOf } from "./helpers/gateway";
import { sim } from "./helpers/sim";

beforeEach(() => sim.reset());

describe("semantic cache embedding model and allowed_models", () => {
  it("refuses an embedding model outside allowed_models when the settings are saved", async () => {
    const t = await createTenant({ allowed_models: ["gpt-4o-mini", "text-embedding-3-small"] });
    const res = await admin(`/tenants/${t.id}`, "PATCH", {
      settings: { cache: { mode: "semantic", semantic: { embedding_model: "text-embedding-3-large" } } },
    });
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.param).toBe("settings.cache.semantic.embedding_model");
    expect(error.code).toBe("model_not_allowed");
    const created = await admin("/tenants", "POST", {
      name: "t",
      settings: {
        allowed_models: ["gpt-4o-mini"],
        cache: { mode: "semantic", semantic: { embedding_model: "text-embedding-3-large" } },
      },
    });
    expect(created.status).toBe(400);
    await created.body?.cancel();
  });

  it("makes no embedding call when allowed_models no longer includes the model, and still answers", async () => {
    const t = await createTenant({ cache: { mode: "semantic", semantic: { threshold: 0.9 } } });
    // The operator narrows the allow-list after the cache was set up (default model text-embedding-3-small).
    const narrowed = await admin(`/tenants/${t.id}`, "PATCH", {
      settings: { allowed_models: ["gpt-4o-mini"] },
    });
    expect(narrowed.status).toBe(200);
    await narrowed.body?.cancel();
    const first = await postChat(t.key, ask("What is the capital city of France?"));
    expect(first.status).toBe(200);
    const again = await postChat(t.key, ask("What is the capital city of France?"));
    expect(again.headers.get("x-cache")).toBe("HIT");
    expect(await sim.requests("POST /v1/embeddings")).toBe(0);
  });
});

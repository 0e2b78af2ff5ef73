import { describe, expect, it } from "vitest";
import { ask, postChat } from "./helpers/chat";
import { createTenant, errorOf } from "./helpers/gateway";
import { sim } from "./helpers/sim";

describe("tenant fine-tuning provider", () => {
  it("serves ft: models from the tenant's API without ever sending it the gateway's provider key", async () => {
    // The same simulator under another host name: to the gateway it is a different provider.
    const elsewhere = `${sim.origin().replace("127.0.0.1", "localhost")}/v1`;
    const { key } = await createTenant({ distillation: { fine_tuning: { base_url: elsewhere } } });
    await sim.reset();
    const ft = await postChat(key, { ...ask("hello"), model: "ft:gpt-4o-mini-2024-07-18:org:x:abc" });
    // No FINE_TUNING_API_KEY is configured in tests, so the tenant's API gets no key and refuses it
    // (401), which the gateway answers as its own credentials problem.
    expect(ft.status).toBe(502);
    expect((await errorOf(ft)).code).toBe("upstream_auth_failed");
    expect(await sim.requests("POST /v1/chat/completions")).toBe(1);
    const base = await postChat(key, ask("hello"));
    expect(base.status).toBe(200);
  });
});

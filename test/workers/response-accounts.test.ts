/**
 * A response id means something only on the provider account that made it, so the gateway records
 * which account answered each `POST /v1/responses` and sends every later call on the id (retrieve,
 * input items, cancel, delete, `previous_response_id`) there with that account's key. A tenant's own
 * provider answering with the id of a response on the shared account therefore gains nothing: its
 * reads go back to that provider, never to the shared account with the gateway's key.
 *
 * The simulator plays the tenant's provider under another host name (localhost) with a second key
 * (`extraApiKeys`). It keeps one store for every key, unlike two real accounts, so where a test needs
 * the tenant's account to not know the shared account's ids, the provider's calls are answered here.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { bearer, createConsoleTenant } from "./helpers/console";
import { admin, errorOf, gw, jsonInit, type TestTenant } from "./helpers/gateway";
import { sim, simFetch } from "./helpers/sim";

const PROVIDER_KEY = "sk-tenant-responses-provider-3b8d";
const GATEWAY_KEY = "sk-sim-edgegate";
const providerOrigin = () => sim.origin().replace("127.0.0.1", "localhost");

/** Every call the gateway made for a response id: where it went and with which key. */
interface Seen {
  origin: string;
  method: string;
  path: string;
  key: string;
}
const seen: Seen[] = [];
const original = globalThis.fetch;

/** Watches the gateway's calls; `answer` may answer one instead of the network. */
function watch(answer: (req: Request) => Response | null = () => null): void {
  globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    const url = new URL(req.url);
    if (url.pathname.startsWith("/v1/responses")) {
      const key = (req.headers.get("authorization") ?? "").replace(/^Bearer /, "");
      seen.push({ origin: url.origin, method: req.method, path: url.pathname, key });
    }
    return answer(req) ?? original(req);
  };
}

beforeAll(() => sim.config({ extraApiKeys: [PROVIDER_KEY] }));
afterAll(() => sim.config({ extraApiKeys: [] }));
afterEach(() => {
  globalThis.fetch = original;
  seen.length = 0;
});

async function withProvider(name: string): Promise<TestTenant> {
  const tenant = await createConsoleTenant();
  const registered = await admin(`/tenants/${tenant.id}/providers`, "POST", {
    name,
    base_url: `${providerOrigin()}/v1`,
    api_key: PROVIDER_KEY,
    capabilities: ["chat"],
  });
  expect(registered.status).toBe(201);
  return tenant;
}

const create = (t: TestTenant, body: Record<string, unknown>) =>
  gw("/v1/responses", jsonInit("POST", body, bearer(t.key)));

describe("response ids recorded with the account that answered", () => {
  it("does not let a tenant's own provider make it the owner of a response on the shared account", async () => {
    const made = await simFetch("/v1/responses", {
      method: "POST",
      headers: { authorization: `Bearer ${GATEWAY_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o-mini", input: "the victim's private question" }),
    });
    const victimId = ((await made.json()) as { id: string }).id;
    const t = await withProvider("evil");
    expect((await gw(`/v1/responses/${victimId}`, { headers: bearer(t.key) })).status).toBe(404);

    // The tenant's provider claims the victim's id; its account (like any other) knows no such response.
    watch((req) => {
      const url = new URL(req.url);
      if (url.origin !== providerOrigin()) return null;
      if (req.method === "POST" && url.pathname === "/v1/responses") {
        return Response.json({
          id: victimId,
          object: "response",
          created_at: Math.floor(Date.now() / 1000),
          status: "completed",
          model: "x",
          output: [],
        });
      }
      const message = `Response with id '${victimId}' not found.`;
      return Response.json(
        { error: { message, type: "invalid_request_error", param: "response_id", code: null } },
        { status: 404 },
      );
    });
    expect((await create(t, { model: "evil/x", input: "hi" })).status).toBe(200);

    const headers = bearer(t.key);
    const answers = [
      await gw(`/v1/responses/${victimId}`, { headers }),
      await gw(`/v1/responses/${victimId}/input_items`, { headers }),
      await gw(`/v1/responses/${victimId}/cancel`, { method: "POST", headers }),
    ];
    const chained = await create(t, { model: "gpt-4o-mini", input: "go on", previous_response_id: victimId });
    const texts = await Promise.all(answers.map((res) => res.text()));
    for (const [i, res] of answers.entries()) {
      expect(res.status).toBe(404);
      expect(texts[i]).not.toContain("victim's private question");
    }
    expect(chained.status).toBe(404);
    expect((await errorOf(chained)).code).toBe("previous_response_not_found");
    // Nothing about the id reached the shared account; the reads went to the tenant's provider.
    expect(seen.filter((s) => s.origin !== providerOrigin() || s.key === GATEWAY_KEY)).toEqual([]);
    expect(seen.filter((s) => s.path.includes(victimId)).map((s) => `${s.method} ${s.path}`)).toEqual([
      `GET /v1/responses/${victimId}`,
      `GET /v1/responses/${victimId}/input_items`,
      `POST /v1/responses/${victimId}/cancel`,
    ]);
    // And the victim's response is still there for its account.
    expect((await simFetch(`/v1/responses/${victimId}`, { headers: bearer(GATEWAY_KEY) })).status).toBe(200);
  });

  it("reads, chains and deletes a response made by a tenant's provider on that provider, with its key", async () => {
    const t = await withProvider("lab");
    watch();
    const created = await create(t, { model: "lab/gpt-4o-mini", input: "a question for the lab" });
    expect(created.status).toBe(200);
    const id = ((await created.json()) as { id: string }).id;
    const headers = bearer(t.key);
    expect((await gw(`/v1/responses/${id}`, { headers })).status).toBe(200);
    expect((await gw(`/v1/responses/${id}/input_items`, { headers })).status).toBe(200);
    const next = await create(t, { model: "lab/gpt-4o-mini", input: "and then?", previous_response_id: id });
    expect(next.status).toBe(200);
    // On the gateway's upstream the lab's id is unknown, as the provider says of one it never made.
    const elsewhere = await create(t, { model: "gpt-4o-mini", input: "and then?", previous_response_id: id });
    expect(elsewhere.status).toBe(404);
    expect((await errorOf(elsewhere)).code).toBe("previous_response_not_found");
    // Nor does a response of the upstream chain onto the lab.
    const upstream = (await (await create(t, { model: "gpt-4o-mini", input: "hello" })).json()) as {
      id: string;
    };
    const crossed = await create(t, { model: "lab/x", input: "and?", previous_response_id: upstream.id });
    expect((await errorOf(crossed)).code).toBe("previous_response_not_found");
    expect((await gw(`/v1/responses/${id}`, { method: "DELETE", headers })).status).toBe(200);

    const onId = seen.filter((s) => s.path.startsWith(`/v1/responses/${id}`));
    expect(onId.map((s) => `${s.method} ${s.path}`)).toEqual([
      `GET /v1/responses/${id}`,
      `GET /v1/responses/${id}/input_items`,
      `DELETE /v1/responses/${id}`,
    ]);
    for (const call of onId) expect(call).toMatchObject({ origin: providerOrigin(), key: PROVIDER_KEY });
    // The upstream's response was made and read with the gateway's key, on the upstream.
    expect(seen.filter((s) => s.key === GATEWAY_KEY).every((s) => s.origin !== providerOrigin())).toBe(true);
  });

  it("answers 404 for a response of a provider the tenant has since deleted", async () => {
    const t = await withProvider("gone");
    const created = await create(t, { model: "gone/gpt-4o-mini", input: "soon gone" });
    const id = ((await created.json()) as { id: string }).id;
    expect((await admin(`/tenants/${t.id}/providers/gone`, "DELETE")).status).toBe(200);
    watch();
    const read = await gw(`/v1/responses/${id}`, { headers: bearer(t.key) });
    expect(read.status).toBe(404);
    expect(seen).toEqual([]);
  });
});

/**
 * Every route × every kind of principal. The expected table below is written out here, on
 * purpose apart from src/identity/route-access.ts: it is what docs/security.md promises, and a route
 * in `/openapi.json` without a row here or without a declaration there fails the suite.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { ROUTE_ACCESS } from "../../src/identity/route-access";
import { bearer, createConsoleTenant, createKey } from "./helpers/console";
import { ADMIN_TOKEN, errorOf, gw } from "./helpers/gateway";

type Who =
  | "none"
  | "operator"
  | "full_key"
  | "inference_key"
  | "console_key"
  | "other_tenant_console_key"
  | "end_user"
  | "other_end_user";
const EVERYONE: readonly Who[] = [
  "none",
  "operator",
  "full_key",
  "inference_key",
  "console_key",
  "other_tenant_console_key",
  "end_user",
  "other_end_user",
];

/** Who may pass, per kind of route. A tenant key of another tenant on `/v1` acts as its own tenant. */
const KEY: readonly Who[] = ["operator", "full_key", "console_key", "other_tenant_console_key"];
const CATEGORY = {
  anyone: EVERYONE,
  operator: ["operator"],
  tenant_admin: ["operator", "console_key"],
  whoami: ["operator", "console_key", "other_tenant_console_key"],
  /** Needs a scope the inference-only key lacks; end-user tokens refused. */
  key: KEY,
  /** Inference: the inference-only key and end-user tokens too. */
  inference: [...KEY, "inference_key", "end_user", "other_end_user"],
  /** The end user's own data (handlers narrow it to the user): not the inference-only key. */
  own_data: [...KEY, "end_user", "other_end_user"],
} satisfies Record<string, readonly Who[]>;
type Category = keyof typeof CATEGORY;

const EXPECTED: Record<string, Category> = {
  "GET /": "anyone",
  "GET /healthz": "anyone",
  "POST /v1/chat/completions": "inference",
  "POST /v1/embeddings": "inference",
  "POST /v1/responses": "inference",
  "GET /v1/responses/{response_id}": "inference",
  "DELETE /v1/responses/{response_id}": "inference",
  "POST /v1/responses/{response_id}/cancel": "inference",
  "GET /v1/responses/{response_id}/input_items": "inference",
  "GET /v1/models": "inference",
  "GET /v1/models/{model}": "inference",
  "GET /v1/models/{provider}/{model}": "inference",
  "GET /v1/realtime": "inference",
  "POST /v1/realtime/client_secrets": "inference",
  "POST /v1/realtime/calls": "inference",
  "POST /v1/auth/user_tokens": "key",
  "GET /v1/chat/completions": "own_data",
  "GET /v1/chat/completions/{completion_id}": "own_data",
  "GET /v1/chat/completions/{completion_id}/messages": "own_data",
  "POST /v1/chat/completions/{completion_id}/feedback": "own_data",
  "POST /v1/chat/completions/{completion_id}": "key",
  "DELETE /v1/chat/completions/{completion_id}": "key",
  "POST /v1/datasets": "key",
  "GET /v1/datasets": "key",
  "GET /v1/datasets/{dataset_id}": "key",
  "DELETE /v1/datasets/{dataset_id}": "key",
  "POST /v1/datasets/{dataset_id}/examples": "key",
  "GET /v1/datasets/{dataset_id}/examples": "key",
  "POST /v1/datasets/{dataset_id}/validate": "key",
  "GET /v1/datasets/{dataset_id}/validations/{validation_id}": "key",
  "POST /v1/datasets/{dataset_id}/import": "key",
  "GET /v1/datasets/{dataset_id}/export": "key",
  "POST /v1/datasets/{dataset_id}/evals": "key",
  "GET /v1/datasets/{dataset_id}/evals": "key",
  "GET /v1/evals/{eval_id}": "key",
  "POST /v1/files": "key",
  "GET /v1/files": "key",
  "GET /v1/files/{file_id}": "key",
  "DELETE /v1/files/{file_id}": "key",
  "GET /v1/files/{file_id}/content": "key",
  "POST /v1/fine_tuning/jobs": "key",
  "GET /v1/fine_tuning/jobs": "key",
  "GET /v1/fine_tuning/jobs/{job_id}": "key",
  "POST /v1/fine_tuning/jobs/{job_id}/cancel": "key",
  "POST /v1/fine_tuning/jobs/{job_id}/pause": "key",
  "POST /v1/fine_tuning/jobs/{job_id}/resume": "key",
  "GET /v1/fine_tuning/jobs/{job_id}/events": "key",
  "GET /v1/fine_tuning/jobs/{job_id}/checkpoints": "key",
  "POST /v1/datasets/{dataset_id}/fine_tuning_jobs": "key",
  "GET /v1/datasets/{dataset_id}/fine_tuning_jobs": "key",
  "POST /v1/datasets/{dataset_id}/jobs": "key",
  "GET /v1/datasets/{dataset_id}/jobs": "key",
  "GET /v1/training_jobs/{job_id}": "key",
  "POST /v1/training_jobs/{job_id}/cancel": "key",
  "GET /admin/whoami": "whoami",
  "POST /admin/tenants": "operator",
  "GET /admin/tenants": "operator",
  "POST /admin/storage/migrate": "operator",
  "GET /admin/operations": "operator",
  "DELETE /admin/operations": "operator",
  "DELETE /admin/keys/{id}": "operator",
  "GET /admin/tenants/{id}": "tenant_admin",
  "PATCH /admin/tenants/{id}": "tenant_admin",
  "POST /admin/tenants/{id}/keys": "tenant_admin",
  "GET /admin/tenants/{id}/keys": "tenant_admin",
  "DELETE /admin/tenants/{id}/keys/{key_id}": "tenant_admin",
  "GET /admin/tenants/{id}/stats": "tenant_admin",
  "DELETE /admin/tenants/{id}/cache": "tenant_admin",
  "GET /admin/tenants/{id}/traffic": "tenant_admin",
  "GET /admin/tenants/{id}/cache/events": "tenant_admin",
  "PUT /admin/tenants/{id}/aliases/{alias}": "tenant_admin",
  "GET /admin/tenants/{id}/aliases": "tenant_admin",
  "DELETE /admin/tenants/{id}/aliases/{alias}": "tenant_admin",
  "POST /admin/tenants/{id}/aliases/{alias}/promote": "tenant_admin",
  "GET /admin/tenants/{id}/captures/dead_letter": "tenant_admin",
  "POST /admin/tenants/{id}/captures/dead_letter/{dead_letter_id}/retry": "tenant_admin",
  "POST /admin/tenants/{id}/providers": "tenant_admin",
  "GET /admin/tenants/{id}/providers": "tenant_admin",
  "GET /admin/tenants/{id}/providers/{name}": "tenant_admin",
  "PATCH /admin/tenants/{id}/providers/{name}": "tenant_admin",
  "DELETE /admin/tenants/{id}/providers/{name}": "tenant_admin",
  "PUT /admin/tenants/{id}/tools/{name}": "tenant_admin",
  "GET /admin/tenants/{id}/tools": "tenant_admin",
  "DELETE /admin/tenants/{id}/tools/{name}": "tenant_admin",
  "POST /admin/tenants/{id}/tools/secret/rotate": "tenant_admin",
  "GET /admin/tenants/{id}/realtime/sessions": "tenant_admin",
  "GET /admin/tenants/{id}/realtime/sessions/{session_id}": "tenant_admin",
  "GET /admin/tenants/{id}/realtime/sessions/{session_id}/chat_example": "tenant_admin",
};
/** Routes whose credential is a signature the handler checks: reachable without a key. */
const SIGNED = [
  "POST /hooks/datasets/{dataset_id}",
  "POST /hooks/openai",
  "GET /v1/images/{sha256}",
  "POST /v1/training_jobs/{job_id}/callback",
  "GET /v1/training_jobs/{job_id}/bundle/{file}",
];

/** Refusals of the authorization layer (anything else is the handler's own answer). */
const AUTH_CODES = new Set([
  "missing_api_key",
  "invalid_api_key",
  "insufficient_scope",
  "api_key_required",
  "invalid_admin_token",
  "console_access_required",
  "admin_token_required",
  "tenant_mismatch",
]);

interface Principals {
  tenantId: string;
  headers: Record<Who, Record<string, string>>;
}

async function mint(key: string, user: string): Promise<string> {
  const res = await gw("/v1/auth/user_tokens", {
    method: "POST",
    headers: { ...bearer(key), "content-type": "application/json" },
    body: JSON.stringify({ user }),
  });
  if (res.status !== 201) throw new Error(`mint: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

async function principals(): Promise<Principals> {
  const a = await createConsoleTenant();
  const b = await createConsoleTenant();
  const inference = await createKey(a.id, { name: "inference only", scopes: ["inference"] });
  return {
    tenantId: a.id,
    headers: {
      none: {},
      operator: { ...bearer(ADMIN_TOKEN), "x-edgegate-tenant": a.id },
      full_key: bearer(a.key),
      inference_key: bearer(inference.key),
      console_key: bearer(a.consoleKey),
      other_tenant_console_key: bearer(b.consoleKey),
      end_user: bearer(await mint(a.key, "alice")),
      other_end_user: bearer(await mint(a.key, "bob")),
    },
  };
}

function concrete(path: string, tenantId: string): string {
  return path.replace("{id}", tenantId).replace(/\{[^}]+\}/g, "x1");
}

async function outcome(route: string, p: Principals, who: Who): Promise<"allowed" | string> {
  const [method = "GET", path = "/"] = route.split(" ");
  const hasBody = method === "POST" || method === "PUT" || method === "PATCH";
  const res = await gw(concrete(path, p.tenantId), {
    method,
    headers: { ...p.headers[who], ...(hasBody ? { "content-type": "application/json" } : {}) },
    ...(hasBody ? { body: "{}" } : {}),
    redirect: "manual",
  });
  if (res.status !== 401 && res.status !== 403) {
    await res.body?.cancel();
    return "allowed";
  }
  const code = (await errorOf(res)).code ?? "";
  return AUTH_CODES.has(code) ? `denied (${res.status} ${code})` : "allowed";
}

describe("authorization of every route", () => {
  let p: Principals;
  beforeAll(async () => {
    p = await principals();
  });

  it("has an expected row and a declaration for every operation in /openapi.json", async () => {
    const doc = (await (await gw("/openapi.json")).json()) as { paths: Record<string, object> };
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(operations.length).toBeGreaterThan(60);
    const known = new Set([...Object.keys(EXPECTED), ...SIGNED]);
    expect(operations.filter((op) => !known.has(op))).toEqual([]);
    expect(operations.filter((op) => !(op in ROUTE_ACCESS))).toEqual([]);
  });

  it.each(Object.entries(EXPECTED))("%s is open to exactly its principals (%s)", async (route, category) => {
    const allowed: readonly Who[] = CATEGORY[category];
    const got = await Promise.all(EVERYONE.map(async (who) => [who, await outcome(route, p, who)] as const));
    const wrong = got.filter(([who, result]) => (result === "allowed") !== allowed.includes(who));
    expect(wrong.map(([who, result]) => `${who}: ${result}`)).toEqual([]);
  });

  it.each(SIGNED)("%s needs no API key: its signature is checked by the route itself", async (route) => {
    const [method = "GET", path = "/"] = route.split(" ");
    const res = await gw(concrete(path, p.tenantId), {
      method,
      headers: { "content-type": "application/json" },
      ...(method === "POST" ? { body: "{}" } : {}),
    });
    const body = (await res.json()) as { error?: { code?: string } };
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(AUTH_CODES.has(body.error?.code ?? "")).toBe(false);
  });

  it("keeps paths no route serves behind authentication", async () => {
    const anonymous = await gw("/v1/no/such/route");
    expect(anonymous.status).toBe(401);
    await anonymous.body?.cancel();
    const known = await gw("/v1/no/such/route", { headers: p.headers.full_key });
    expect(known.status).toBe(404);
    await known.body?.cancel();
  });
});

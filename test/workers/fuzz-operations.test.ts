/**
 * Every operation of `/openapi.json` fed malformed input: bodies that are not JSON or not objects,
 * every declared field with a wrong type, deep nesting, huge strings, unknown fields, a wrong
 * content type, bad query values and hostile path ids. Whatever the input, the gateway answers below
 * 500 (the documented 503s of an unconfigured secret aside) and every 4xx is OpenAI's error shape.
 * The inputs are fixed: hand-written cases plus `fc.sample` draws under a fixed seed.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { ROUTE_ACCESS } from "../../src/identity/route-access";
import worker from "../../src/index";
import { bearer, createConsoleTenant, createKey } from "./helpers/console";
import { ADMIN_TOKEN, GATEWAY, gw } from "./helpers/gateway";

const SEED = 20261202;
/**
 * Requests of one operation in flight at once. The Worker is called directly, one execution context
 * per request: the harness's `exports.default.fetch` slows down with every call it has served.
 */
const BATCH = 8;
/** 503s the gateway documents for a secret it was not given; nothing else may be a 5xx. */
const DOCUMENTED_503 = new Set([
  "admin_disabled",
  "token_secret_missing",
  "provider_keys_unconfigured",
  "webhooks_not_configured",
  "signing_disabled",
]);

interface Schema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  enum?: unknown[];
  items?: Schema;
  minItems?: number;
  minimum?: number;
}
interface OperationDoc {
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, { schema?: Schema }> };
}
interface ApiDoc {
  paths: Record<string, Record<string, OperationDoc>>;
  components: { schemas: Record<string, Schema> };
}

interface Case {
  name: string;
  path: string;
  init: RequestInit;
}

interface Fixture {
  doc: ApiDoc;
  /** The tenant whose `/v1` resources are used, and its full API key. */
  apiKey: string;
  datasetId: string;
  /** Another tenant for `/admin` routes, so settings patches never touch the `/v1` tenant. */
  adminTenantId: string;
  consoleKey: string;
  /** A key of the admin tenant that only the fuzzer's delete routes name. */
  spareKeyId: string;
}

let fx: Fixture;

beforeAll(async () => {
  const doc = (await (await gw("/openapi.json")).json()) as ApiDoc;
  const api = await createConsoleTenant();
  const adminTenant = await createConsoleTenant();
  const spare = await createKey(adminTenant.id, { name: "spare" });
  const ds = await gw("/v1/datasets", {
    method: "POST",
    headers: { ...bearer(api.key), "content-type": "application/json" },
    body: JSON.stringify({ name: "fuzz" }),
  });
  if (!ds.ok) throw new Error(`dataset: ${ds.status} ${await ds.text()}`);
  fx = {
    doc,
    apiKey: api.key,
    datasetId: ((await ds.json()) as { id: string }).id,
    adminTenantId: adminTenant.id,
    consoleKey: adminTenant.consoleKey,
    spareKeyId: spare.id,
  };
});

function resolve(schema: Schema | undefined, doc: ApiDoc): Schema {
  if (schema?.$ref === undefined) return schema ?? {};
  return resolve(doc.components.schemas[schema.$ref.replace("#/components/schemas/", "")], doc);
}

function typeOf(schema: Schema): string {
  return (Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type) ?? "any";
}

/** A value the schema accepts where it is easy to make one: the rest of the body stays plausible. */
function plausible(name: string, schema: Schema, doc: ApiDoc): unknown {
  const s = resolve(schema, doc);
  if (s.enum !== undefined) return s.enum[0];
  switch (typeOf(s)) {
    case "string":
      return name === "model" ? "gpt-4o-mini" : "fuzz";
    case "number":
    case "integer":
      return s.minimum ?? 1;
    case "boolean":
      return false;
    case "array":
      return Array.from({ length: s.minItems ?? 0 }, () => plausible(name, s.items ?? {}, doc));
    case "object":
      return baseBody(s, doc);
    default:
      return "fuzz";
  }
}

function baseBody(schema: Schema, doc: ApiDoc): Record<string, unknown> {
  const s = resolve(schema, doc);
  const out: Record<string, unknown> = {};
  for (const name of s.required ?? []) out[name] = plausible(name, s.properties?.[name] ?? {}, doc);
  return out;
}

/** Bodies the provider accepts, for the passthrough routes whose schema leaves them open. */
const VALID: Record<string, Record<string, unknown>> = {
  "/v1/chat/completions": { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] },
  "/v1/embeddings": { model: "text-embedding-3-small", input: "hi" },
  "/v1/responses": { model: "gpt-4o-mini", input: "hi" },
};

function deep(levels: number): string {
  return `${"[".repeat(levels)}${"]".repeat(levels)}`;
}

/** One value per JSON type, in the cycle string → number → object → array → boolean → null. */
const WRONG_TYPES: readonly unknown[] = ["fuzz", -1.5e308, { a: 1 }, [1, "x"], true, null];

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return "array";
  return value === null ? "null" : typeof value;
}
const HUGE = "x".repeat(300 * 1024);

function json(
  method: string,
  auth: Record<string, string>,
  body: string,
  type = "application/json",
): RequestInit {
  return { method, headers: { ...auth, "content-type": type }, body };
}

function bodyCases(
  method: string,
  path: string,
  op: OperationDoc | undefined,
  auth: Record<string, string>,
  doc: ApiDoc,
): Case[] {
  const content = op?.requestBody?.content ?? {};
  const schema = resolve(content["application/json"]?.schema, doc);
  const base = VALID[path] ?? (schema.type === "object" || schema.properties ? baseBody(schema, doc) : {});
  const fields = Object.entries(schema.properties ?? {});
  const first = fields[0]?.[0] ?? "x";
  const send = (name: string, body: string, type?: string): Case => ({
    name,
    path,
    init: json(method, auth, body, type),
  });
  const withField = (key: string, value: unknown) => JSON.stringify({ ...base, [key]: value });
  const cases: Case[] = [
    send("non-JSON body", "{not json"),
    send("empty body", ""),
    send("JSON array", "[]"),
    send("JSON string", '"x"'),

    send("JSON number", "42"),
    send("JSON null", "null"),
    send("wrong content-type", JSON.stringify(base), "text/plain"),
    send("a valid body", JSON.stringify(base)),
    send("unknown fields", JSON.stringify({ ...base, zz_unknown: { deep: [1] }, "": null, __proto__x: 1 })),
    send("100-deep nesting", `{"${first}":${deep(100)}}`),
    send("10,000-deep nesting", `{"${first}":${deep(10_000)}}`),
    send(
      "10,000-deep nesting in an unknown field",
      JSON.stringify({ ...base, zz: JSON.parse(deep(10_000)) }),
    ),
    send("10,000-deep objects", `${'{"a":'.repeat(10_000)}1${"}".repeat(10_000)}`),
  ];
  // Each field once with the type after its own in the cycle, once null; then every field at once per type.
  for (const [name, field] of fields) {
    const own = WRONG_TYPES.findIndex((v) => kindOf(v) === typeOf(resolve(field, doc)));
    cases.push(
      send(`${name} of the wrong type`, withField(name, WRONG_TYPES[(own + 1) % WRONG_TYPES.length])),
    );
    cases.push(send(`${name} = null`, withField(name, null)));
    if (typeOf(resolve(field, doc)) === "string") cases.push(send(`300 KB ${name}`, withField(name, HUGE)));
  }
  if (fields.length > 0) {
    for (const value of WRONG_TYPES) {
      const all = Object.fromEntries(fields.map(([name]) => [name, value]));
      cases.push(send(`every field = ${JSON.stringify(value)}`, JSON.stringify(all)));
    }
  }
  const keys = fields.length > 0 ? fields.map(([name]) => name) : ["x"];
  const mixes = fc.sample(fc.dictionary(fc.constantFrom(...keys), fc.jsonValue({ maxDepth: 3 })), {
    seed: SEED,
    numRuns: 3,
  });
  for (const [i, mix] of mixes.entries())
    cases.push(send(`random fields #${i}`, JSON.stringify({ ...base, ...mix })));
  const values = fc.sample(fc.jsonValue({ maxDepth: 4 }), { seed: SEED + 1, numRuns: 2 });
  for (const [i, value] of values.entries()) cases.push(send(`random JSON #${i}`, JSON.stringify(value)));
  if (content["application/jsonl"] !== undefined) {
    cases.push(send("bad JSON lines", '{"messages":[]}\nnot json\n[]\nnull\n', "application/jsonl"));
    cases.push(send("10,000-deep JSON line", `${deep(10_000)}\n`, "application/jsonl"));
  }
  return cases;
}

const BAD_QUERY = [
  "-1",
  "99999999999999999999999",
  "abc",
  "",
  "1e400",
  "%00",
  "NaN",
  "sideways",
  "x".repeat(5000),
];

function queryCases(
  method: string,
  path: string,
  op: OperationDoc | undefined,
  auth: Record<string, string>,
): Case[] {
  const params = (op?.parameters ?? []).filter((p) => p.in === "query").map((p) => p.name);
  // Paging parameters many list routes read, declared or not, and one no route knows.
  const undeclared: Case = {
    name: "undeclared paging values",
    path: `${path}?limit=-1&order=sideways&after=%00&before=${"9".repeat(40)}&zz_unknown=1`,
    init: { method, headers: auth },
  };
  return [
    undeclared,
    ...params.flatMap((name) =>
      BAD_QUERY.map((value) => ({
        name: `?${name}=${value.slice(0, 20)}`,
        path: `${path}?${name}=${value}`,
        init: { method, headers: auth },
      })),
    ),
  ];
}

const BAD_IDS = [
  "a".repeat(5000),
  encodeURIComponent("ü😀名"),
  "%00",
  "..%2F..%2Fadmin",
  "%2e%2e",
  ...fc
    .sample(fc.string({ unit: "binary", minLength: 1, maxLength: 40 }), { seed: SEED + 2, numRuns: 3 })
    .map(encodeURIComponent),
];

function pathCases(
  method: string,
  route: string,
  fill: (route: string) => string,
  auth: Record<string, string>,
): Case[] {
  const params = route.match(/\{[^}]+\}/g) ?? [];
  const hasBody = method === "POST" || method === "PUT" || method === "PATCH";
  return params.flatMap((param) =>
    BAD_IDS.map((id) => ({
      name: `${param} = ${id.slice(0, 20)} (${id.length} chars)`,
      path: fill(route.replace(param, id)),
      init: hasBody ? json(method, auth, "{}") : { method, headers: auth },
    })),
  );
}

/** The credential allowed to call the route (see src/identity/route-access.ts). */
function credential(route: string, fuzzingTenantId: boolean): Record<string, string> {
  const access = ROUTE_ACCESS[route];
  if (access === undefined) throw new Error(`${route} has no declaration`);
  switch (access.who) {
    case "operator":
      return bearer(ADMIN_TOKEN);
    case "tenant_admin":
      // A console key only reaches its own tenant; ADMIN_TOKEN takes the fuzzed tenant id to the handler.
      return bearer(fuzzingTenantId ? ADMIN_TOKEN : fx.consoleKey);
    case "tenant":
      return bearer(fx.apiKey);
    default:
      return {};
  }
}

function concrete(path: string): string {
  return path
    .replace(/^\/admin\/keys\/\{id\}/, `/admin/keys/${fx.spareKeyId}`)
    .replace("{id}", fx.adminTenantId)
    .replace("{key_id}", fx.spareKeyId)
    .replace("{dataset_id}", fx.datasetId)
    .replace(/\{[^}]+\}/g, "fuzz_missing_1");
}

function casesOf(route: string): Case[] {
  const [method = "GET", path = "/"] = route.split(" ");
  const op = fx.doc.paths[path]?.[method.toLowerCase()];
  const auth = credential(route, false);
  const real = concrete(path);
  const hasBody = method === "POST" || method === "PUT" || method === "PATCH";
  return [
    ...(hasBody ? bodyCases(method, real, op, auth, fx.doc) : []),
    ...queryCases(method, real, op, auth),
    ...pathCases(method, path, concrete, credential(route, path.includes("{id}"))),
  ];
}

/** What is wrong with the answer, or null when it is a proper success or a proper error. */
async function problem(res: Response): Promise<string | null> {
  const text = await res.text();
  const type = res.headers.get("content-type") ?? "";
  let body: { error?: { message?: unknown; code?: unknown } } | undefined;
  try {
    body = type.includes("json") ? JSON.parse(text) : undefined;
  } catch {
    return `a body that is not JSON: ${text.slice(0, 120)}`;
  }
  const code = typeof body?.error?.code === "string" ? body.error.code : "";
  if (res.status >= 500 && !(res.status === 503 && DOCUMENTED_503.has(code))) {
    return `${res.status}: ${text.slice(0, 200)}`;
  }
  if (res.status >= 400 && typeof body?.error?.message !== "string") {
    return `${res.status} without an OpenAI error: ${text.slice(0, 200)}`;
  }
  return null;
}

async function run(cases: Case[]): Promise<string[]> {
  const found: string[] = [];
  for (let i = 0; i < cases.length; i += BATCH) {
    const batch = cases.slice(i, i + BATCH);
    const results = await Promise.all(
      batch.map(async (c) => {
        const ctx = createExecutionContext();
        const res = await worker.fetch(new Request(`${GATEWAY}${c.path}`, c.init), env, ctx);
        const what = await problem(res);
        await waitOnExecutionContext(ctx);
        return what === null ? null : `${c.name}: ${what}`;
      }),
    );
    for (const r of results) if (r !== null) found.push(r);
  }
  return found;
}

/** Routes the fuzzer walks: every declared route; the first test checks they cover the document. */
const ROUTES = Object.keys(ROUTE_ACCESS);

describe("fuzzing every operation of /openapi.json", () => {
  it("walks every operation of the document", () => {
    const operations = Object.entries(fx.doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(operations.length).toBeGreaterThan(60);
    expect(operations.filter((op) => !ROUTES.includes(op))).toEqual([]);
  });

  it.each(ROUTES)("%s answers malformed input without a 5xx", async (route) => {
    const cases = casesOf(route);
    expect(cases.length).toBeGreaterThan(0);
    expect(await run(cases)).toEqual([]);
  });
});

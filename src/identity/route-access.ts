/**
 * Who may call each route, in one place. The `authorize` middleware runs before any handler and
 * before the body is read: it finds the route's declared {@link Access}, authenticates the caller for
 * it and refuses what the credential may not do. A test walks every operation of `/openapi.json`
 * against this table, so a route cannot ship without a declaration. docs/security.md explains it.
 */
import type { Context } from "hono";
import type { AppEnv } from "../platform/env";
import { GatewayError } from "../platform/errors";
import { factory } from "../platform/factory";
import { adminCallerOf, assertInScope } from "./admin-access";
import { resolvePrincipal } from "./authenticate";
import type { Scope } from "./scopes";

export type Access =
  /** No credential: liveness, the API document, the console redirect. */
  | { who: "anyone" }
  /** The credential is a signature the handler checks (webhooks, signed image URLs). */
  | { who: "signed" }
  /** The gateway's ADMIN_TOKEN only. */
  | { who: "operator" }
  /** ADMIN_TOKEN, or a key of the tenant in the path with the `admin` scope (a console key). */
  | { who: "tenant_admin" }
  /**
   * A tenant credential with `scope`: an API key that has it (the operator acting as a tenant has
   * every scope); an end-user token only where `endUser` is true, and then its handler limits it to
   * the user's own rows.
   */
  | { who: "tenant"; scope: Scope; endUser: boolean };

const anyone: Access = { who: "anyone" };
const signed: Access = { who: "signed" };
const operator: Access = { who: "operator" };
const tenantAdmin: Access = { who: "tenant_admin" };
const key = (scope: Scope): Access => ({ who: "tenant", scope, endUser: false });
const keyOrUser = (scope: Scope): Access => ({ who: "tenant", scope, endUser: true });

/** Every route, as `METHOD /path/{param}` (OpenAPI's spelling), with who may call it. */
export const ROUTE_ACCESS: Readonly<Record<string, Access>> = {
  "GET /": anyone,
  "GET /healthz": anyone,
  "GET /openapi.json": anyone,
  "GET /docs": anyone,

  "POST /v1/chat/completions": keyOrUser("inference"),
  "POST /v1/embeddings": keyOrUser("inference"),
  "POST /v1/responses": keyOrUser("inference"),
  "GET /v1/responses/{response_id}": keyOrUser("inference"),
  "DELETE /v1/responses/{response_id}": keyOrUser("inference"),
  "POST /v1/responses/{response_id}/cancel": keyOrUser("inference"),
  "GET /v1/responses/{response_id}/input_items": keyOrUser("inference"),
  "GET /v1/models": keyOrUser("inference"),
  "GET /v1/models/{model}": keyOrUser("inference"),
  "GET /v1/models/{provider}/{model}": keyOrUser("inference"),
  "GET /v1/realtime": keyOrUser("inference"),
  "POST /v1/realtime/client_secrets": keyOrUser("inference"),
  "POST /v1/realtime/calls": keyOrUser("inference"),

  "POST /v1/auth/user_tokens": key("user_tokens"),

  "GET /v1/chat/completions": keyOrUser("completions.read"),
  "GET /v1/chat/completions/{completion_id}": keyOrUser("completions.read"),
  "GET /v1/chat/completions/{completion_id}/messages": keyOrUser("completions.read"),
  "POST /v1/chat/completions/{completion_id}/feedback": keyOrUser("completions.write"),
  "POST /v1/chat/completions/{completion_id}": key("completions.write"),
  "DELETE /v1/chat/completions/{completion_id}": key("completions.write"),

  "POST /v1/datasets": key("datasets"),
  "GET /v1/datasets": key("datasets"),
  "GET /v1/datasets/{dataset_id}": key("datasets"),
  "DELETE /v1/datasets/{dataset_id}": key("datasets"),
  "POST /v1/datasets/{dataset_id}/examples": key("datasets"),
  "GET /v1/datasets/{dataset_id}/examples": key("datasets"),
  "POST /v1/datasets/{dataset_id}/validate": key("datasets"),
  "GET /v1/datasets/{dataset_id}/validations/{validation_id}": key("datasets"),
  "POST /v1/datasets/{dataset_id}/import": key("datasets"),
  "GET /v1/datasets/{dataset_id}/export": key("datasets"),
  "GET /v1/images/{sha256}": signed,
  "POST /hooks/datasets/{dataset_id}": signed,

  "POST /v1/datasets/{dataset_id}/evals": key("evals"),
  "GET /v1/datasets/{dataset_id}/evals": key("evals"),
  "GET /v1/evals/{eval_id}": key("evals"),

  "POST /v1/files": key("fine_tuning"),
  "GET /v1/files": key("fine_tuning"),
  "GET /v1/files/{file_id}": key("fine_tuning"),
  "DELETE /v1/files/{file_id}": key("fine_tuning"),
  "GET /v1/files/{file_id}/content": key("fine_tuning"),
  "POST /v1/fine_tuning/jobs": key("fine_tuning"),
  "GET /v1/fine_tuning/jobs": key("fine_tuning"),
  "GET /v1/fine_tuning/jobs/{job_id}": key("fine_tuning"),
  "POST /v1/fine_tuning/jobs/{job_id}/cancel": key("fine_tuning"),
  "POST /v1/fine_tuning/jobs/{job_id}/pause": key("fine_tuning"),
  "POST /v1/fine_tuning/jobs/{job_id}/resume": key("fine_tuning"),
  "GET /v1/fine_tuning/jobs/{job_id}/events": key("fine_tuning"),
  "GET /v1/fine_tuning/jobs/{job_id}/checkpoints": key("fine_tuning"),
  "POST /v1/datasets/{dataset_id}/fine_tuning_jobs": key("fine_tuning"),
  "GET /v1/datasets/{dataset_id}/fine_tuning_jobs": key("fine_tuning"),
  "POST /hooks/openai": signed,
  "POST /v1/datasets/{dataset_id}/jobs": key("fine_tuning"),
  "GET /v1/datasets/{dataset_id}/jobs": key("fine_tuning"),
  "GET /v1/training_jobs/{job_id}": key("fine_tuning"),
  "POST /v1/training_jobs/{job_id}/cancel": key("fine_tuning"),
  "POST /v1/training_jobs/{job_id}/callback": signed,
  "GET /v1/training_jobs/{job_id}/bundle/{file}": signed,

  "GET /admin/whoami": tenantAdmin,
  "POST /admin/tenants": operator,
  "GET /admin/tenants": operator,
  "DELETE /admin/keys/{id}": operator,
  "POST /admin/storage/migrate": operator,
  "GET /admin/operations": operator,
  "DELETE /admin/operations": operator,
  "GET /admin/tenants/{id}": tenantAdmin,
  "PATCH /admin/tenants/{id}": tenantAdmin,
  "POST /admin/tenants/{id}/keys": tenantAdmin,
  "GET /admin/tenants/{id}/keys": tenantAdmin,
  "DELETE /admin/tenants/{id}/keys/{key_id}": tenantAdmin,
  "GET /admin/tenants/{id}/stats": tenantAdmin,
  "DELETE /admin/tenants/{id}/cache": tenantAdmin,
  "GET /admin/tenants/{id}/traffic": tenantAdmin,
  "GET /admin/tenants/{id}/cache/events": tenantAdmin,
  "PUT /admin/tenants/{id}/aliases/{alias}": tenantAdmin,
  "GET /admin/tenants/{id}/aliases": tenantAdmin,
  "DELETE /admin/tenants/{id}/aliases/{alias}": tenantAdmin,
  "POST /admin/tenants/{id}/aliases/{alias}/promote": tenantAdmin,
  "GET /admin/tenants/{id}/captures/dead_letter": tenantAdmin,
  "POST /admin/tenants/{id}/captures/dead_letter/{dead_letter_id}/retry": tenantAdmin,
  "POST /admin/tenants/{id}/providers": tenantAdmin,
  "GET /admin/tenants/{id}/providers": tenantAdmin,
  "GET /admin/tenants/{id}/providers/{name}": tenantAdmin,
  "PATCH /admin/tenants/{id}/providers/{name}": tenantAdmin,
  "DELETE /admin/tenants/{id}/providers/{name}": tenantAdmin,
  "PUT /admin/tenants/{id}/tools/{name}": tenantAdmin,
  "GET /admin/tenants/{id}/tools": tenantAdmin,
  "DELETE /admin/tenants/{id}/tools/{name}": tenantAdmin,
  "POST /admin/tenants/{id}/tools/secret/rotate": tenantAdmin,
  "GET /admin/tenants/{id}/realtime/sessions": tenantAdmin,
  "GET /admin/tenants/{id}/realtime/sessions/{session_id}": tenantAdmin,
  "GET /admin/tenants/{id}/realtime/sessions/{session_id}/chat_example": tenantAdmin,
};

interface CompiledRoute {
  method: string;
  pattern: RegExp;
  /** Literal segments first: `/tools/secret/rotate` wins over `/tools/{name}`. */
  literals: number;
  access: Access;
}

function compile(table: Readonly<Record<string, Access>>): CompiledRoute[] {
  const routes = Object.entries(table).map(([route, access]) => {
    const [method = "", path = ""] = route.split(" ");
    const source = path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}/]+\}/g, "[^/]+");
    return {
      method,
      pattern: new RegExp(`^${source}/?$`),
      literals: path.split("/").filter((s) => s !== "" && !s.startsWith("{")).length,
      access,
    };
  });
  return routes.sort((a, b) => b.literals - a.literals);
}

const COMPILED = compile(ROUTE_ACCESS);
const byPath = new Map<string, Access | null>();
const BY_PATH_MAX_ENTRIES = 10_000;

/** The declared access of a request, or null for a path no route serves (404/405 later). */
export function accessOf(method: string, path: string): Access | null {
  const m = method === "HEAD" ? "GET" : method;
  const memo = `${m} ${path}`;
  const known = byPath.get(memo);
  if (known !== undefined) return known;
  let found: Access | null = null;
  for (const route of COMPILED) {
    if (route.method === m && route.pattern.test(path)) {
      found = route.access;
      break;
    }
  }
  if (byPath.size >= BY_PATH_MAX_ENTRIES) byPath.clear();
  byPath.set(memo, found);
  return found;
}

const SCOPE_MISSING = (scope: Scope) =>
  `This API key does not have the '${scope}' scope this route needs. Create a key with it (POST /admin/tenants/{id}/keys with "scopes"), or use a key that has it.`;

function refuseEndUser(): GatewayError {
  return new GatewayError(
    403,
    "End-user tokens may call inference routes and read or rate their own stored completions only; this route needs a tenant API key.",
    { code: "api_key_required" },
  );
}

async function authorizeTenant(c: Context<AppEnv>, scope: Scope, endUser: boolean): Promise<void> {
  const principal = await resolvePrincipal(c);
  c.set("principal", principal);
  if (principal.kind === "user_token" && !endUser) throw refuseEndUser();
  if (!principal.scopes.has(scope)) {
    throw new GatewayError(
      403,
      principal.kind === "user_token"
        ? `The API key that minted this end-user token does not have the '${scope}' scope.`
        : SCOPE_MISSING(scope),
      { code: "insufficient_scope" },
    );
  }
}

async function authorizeAdmin(c: Context<AppEnv>, operatorOnly: boolean): Promise<void> {
  const caller = await adminCallerOf(c);
  if (caller.kind === "admin") return;
  if (operatorOnly) {
    throw new GatewayError(403, "This admin route needs the gateway's ADMIN_TOKEN.", {
      code: "admin_token_required",
    });
  }
  assertInScope(caller.key, c.req.path);
}

/**
 * Authorizes every request against {@link ROUTE_ACCESS} before its handler runs and before its body
 * is read. Paths no route serves still need a valid credential under `/v1` and `/admin`, so the API's
 * shape is not probed anonymously; they then fall through to 404/405.
 */
export const authorize = factory.createMiddleware(async (c, next) => {
  const path = c.req.path;
  const access = accessOf(c.req.method, path);
  if (access === null) {
    if (path.startsWith("/v1/")) c.set("principal", await resolvePrincipal(c));
    else if (path.startsWith("/admin/")) await adminCallerOf(c);
    return next();
  }
  switch (access.who) {
    case "anyone":
    case "signed":
      break;
    case "operator":
    case "tenant_admin":
      await authorizeAdmin(c, access.who === "operator");
      break;
    case "tenant":
      await authorizeTenant(c, access.scope, access.endUser);
      break;
  }
  return next();
});

type Operation = { security?: Record<string, string[]>[]; "x-edgegate-access"?: string };
const END_USER_NOTE = "API keys with the scope, and end-user tokens (their own data only)";

/** What the document says of an access rule: OpenAPI 3.1 security with the scope as role name. */
function describe(access: Access): Required<Operation> {
  switch (access.who) {
    case "anyone":
    case "signed":
      return {
        security: [],
        "x-edgegate-access": access.who === "anyone" ? "anyone" : "signature checked by the route",
      };
    case "operator":
      return { security: [{ adminToken: [] }], "x-edgegate-access": "ADMIN_TOKEN only" };
    case "tenant_admin":
      return {
        security: [{ adminToken: [] }, { consoleKey: ["admin"] }],
        "x-edgegate-access": "ADMIN_TOKEN, or a key of this tenant with the `admin` scope",
      };
    case "tenant":
      return {
        security: [{ bearer: [access.scope] }],
        "x-edgegate-access": access.endUser
          ? `${END_USER_NOTE}: \`${access.scope}\``
          : `API keys with the \`${access.scope}\` scope (not end-user tokens)`,
      };
  }
}

/**
 * Writes each operation's declared access into the OpenAPI document (`security` with the required
 * scope, and `x-edgegate-access` in words), so the document and the middleware cannot disagree.
 */
export function documentAccess(paths: Record<string, Record<string, unknown>> | undefined): void {
  for (const [path, operations] of Object.entries(paths ?? {})) {
    for (const [method, operation] of Object.entries(operations)) {
      const access = ROUTE_ACCESS[`${method.toUpperCase()} ${path}`];
      if (access && typeof operation === "object" && operation !== null) {
        Object.assign(operation as Operation, describe(access));
      }
    }
  }
}

/**
 * Who may call `/admin/*`: the gateway's ADMIN_TOKEN everywhere, and a tenant's console key
 * (`"console": true`) on `/admin/whoami` and on its own tenant's routes (`/admin/tenants/{id}` and
 * everything under it). Tenant lists, tenant creation and `DELETE /admin/keys/{id}` stay ADMIN_TOKEN only.
 */
import type { Context } from "hono";
import { TenantIdParams } from "../admin/schemas";
import type { AppEnv } from "../platform/env";
import { foundOr, GatewayError } from "../platform/errors";
import type { OwnedResource } from "../platform/route-kit";
import { credentialOf, isAdminToken, keyBySecret } from "./authenticate";
import type { Tenant } from "./principal";
import type { ActiveKey } from "./repository";
import { getTenant, isApiKey } from "./repository";

export type AdminCaller = { kind: "admin" } | { kind: "tenant"; key: ActiveKey };

/** One identification per request, however many sub-apps run the guard. */
const callers = new WeakMap<Request, Promise<AdminCaller>>();

async function identify(c: Context<AppEnv>): Promise<AdminCaller> {
  const given = credentialOf(c.req.raw);
  if (given && isApiKey(given)) {
    const key = await keyBySecret(c.env.DB, given);
    if (!key) {
      throw new GatewayError(
        401,
        `Incorrect API key provided: ${given.slice(0, 8)}…. It is unknown or has been revoked.`,
        {
          code: "invalid_api_key",
        },
      );
    }
    if (!key.scopes.has("admin")) {
      throw new GatewayError(
        403,
        'This API key has no console access: create a key with "console": true or the "admin" scope (POST /admin/tenants/{id}/keys), or use ADMIN_TOKEN.',
        { code: "console_access_required" },
      );
    }
    return { kind: "tenant", key };
  }
  if (!c.env.ADMIN_TOKEN) {
    throw new GatewayError(503, "The admin API is disabled: set the ADMIN_TOKEN secret on the gateway.", {
      type: "server_error",
      code: "admin_disabled",
    });
  }
  if (!given || !(await isAdminToken(c.env, given))) {
    throw new GatewayError(
      401,
      "The admin API needs 'Authorization: Bearer <ADMIN_TOKEN>' or a console key.",
      {
        code: "invalid_admin_token",
      },
    );
  }
  return { kind: "admin" };
}

/** The caller of an admin route (memoised per request). */
export function adminCallerOf(c: Context<AppEnv>): Promise<AdminCaller> {
  let caller = callers.get(c.req.raw);
  if (!caller) {
    caller = identify(c);
    callers.set(c.req.raw, caller);
  }
  return caller;
}

const TENANT_PATH = /^\/admin\/tenants\/([^/]+)(?:\/|$)/;
const WHOAMI_PATH = "/admin/whoami";

/** The tenant an admin path belongs to (`/admin/tenants/{id}…`), or null. */
export function tenantOfAdminPath(path: string): string | null {
  const segment = TENANT_PATH.exec(path)?.[1];
  if (segment === undefined) return null;
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** Refuses a console key outside `/admin/whoami` and its own tenant's `/admin/tenants/{id}/…`. */
export function assertInScope(key: ActiveKey, path: string): void {
  if (path === WHOAMI_PATH) return;
  const tenantId = tenantOfAdminPath(path);
  if (tenantId === null) {
    throw new GatewayError(
      403,
      "This admin route needs ADMIN_TOKEN: a console key reaches only /admin/whoami and /admin/tenants/<its tenant>/….",
      { code: "admin_token_required" },
    );
  }
  if (tenantId !== key.tenant.id) {
    throw new GatewayError(403, "This console key belongs to another tenant.", {
      param: "id",
      code: "tenant_mismatch",
    });
  }
}

/** The tenant an `/admin/tenants/{id}/…` route names, or 404 `tenant_not_found`. */
export async function tenantOrNotFound(db: D1Database, id: string): Promise<Tenant> {
  return foundOr(await getTenant(db, id), "tenant", id, { param: "id", code: "tenant_not_found" });
}

/** `/tenants/{id}` of the admin routes: the tenant, or 404 `tenant_not_found` (who may call is ROUTE_ACCESS's). */
export const adminTenant: OwnedResource<typeof TenantIdParams, Tenant> = {
  params: TenantIdParams,
  load: (c, params) => tenantOrNotFound(c.env.DB, params.id),
};

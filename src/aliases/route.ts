/**
 * Alias resolution on the request path: the tenant's aliases are read once per isolate and kept
 * for a few seconds; a stable share of end users (by hash) goes to the canary.
 */
import { sha256Hex } from "../identity/crypto";
import { IsolateCache, type WaitUntil } from "../platform/isolate-cache";
import { type AliasRow, listAliases } from "./repository";

/** How long an isolate trusts its copy of a tenant's aliases. */
export const ALIAS_CACHE_TTL_MS = 5_000;

export interface ModelRoute {
  alias: string;
  model: string;
  route: "primary" | "canary";
}

const cache = new IsolateCache<Map<string, AliasRow>>(ALIAS_CACHE_TTL_MS);

/** Forgets this isolate's copy of a tenant's aliases (after a change through this isolate). */
export function forgetAliases(tenantId: string): void {
  cache.forget(tenantId);
}

function aliasesOf(db: D1Database, tenantId: string, waitUntil?: WaitUntil): Promise<Map<string, AliasRow>> {
  const load = async () => new Map((await listAliases(db, tenantId)).map((a) => [a.alias, a]));
  return cache.get(tenantId, load, waitUntil);
}

/** The user's bucket in [0, 100) for an alias: the same user always lands in the same bucket. */
export async function bucketOf(tenantId: string, alias: string, stickiness: string): Promise<number> {
  const hex = await sha256Hex(`${tenantId}\u0000${alias}\u0000${stickiness}`);
  return (Number.parseInt(hex.slice(0, 8), 16) / 2 ** 32) * 100;
}

export async function chooseRoute(tenantId: string, row: AliasRow, stickiness: string): Promise<ModelRoute> {
  if (
    row.canary_model &&
    row.canary_percent &&
    (await bucketOf(tenantId, row.alias, stickiness)) < row.canary_percent
  ) {
    return { alias: row.alias, model: row.canary_model, route: "canary" };
  }
  return { alias: row.alias, model: row.model, route: "primary" };
}

/** The route for a requested model name, or null when it is not one of the tenant's aliases. */
export async function resolveAlias(
  db: D1Database,
  tenantId: string,
  model: string,
  stickiness: string,
  waitUntil?: WaitUntil,
): Promise<ModelRoute | null> {
  const row = (await aliasesOf(db, tenantId, waitUntil)).get(model);
  return row ? chooseRoute(tenantId, row, stickiness) : null;
}

/** The `X-Model-Route` header value, e.g. `canary; alias=support; model=ft:gpt-4o-mini:…`. */
export function routeHeader(route: ModelRoute): string {
  return `${route.route}; alias=${route.alias}; model=${route.model}`;
}

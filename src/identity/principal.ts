import type { Scope } from "./scopes";
import type { TenantSettings } from "./settings";

export interface Tenant {
  id: string;
  name: string;
  settings: TenantSettings;
  createdAt: number;
  /** Part of every cache key; purging the cache starts a new generation. */
  cacheGeneration: number;
}

/** Who is calling: a tenant, through one of its API keys or an end-user token minted from one. */
export interface Principal {
  kind: "api_key" | "user_token";
  tenant: Tenant;
  /** The API key used, or the key the user token was minted with. */
  keyId: string;
  /** The end user when known at authentication time (token subject or `X-User-Id`). */
  userId: string | null;
  /**
   * What this credential may do (src/identity/scopes.ts): the key's scopes, every scope for the
   * operator acting as a tenant, and for an end-user token the end-user scopes its key also has.
   */
  scopes: ReadonlySet<Scope>;
}

/**
 * Whose data a request may see: the tenant, and for an end-user token only that user's own rows
 * (`userId` non-null). API keys act for the whole tenant even when they name an `X-User-Id`.
 */
export interface Owner {
  tenantId: string;
  userId: string | null;
}

export function ownerOf(principal: Principal): Owner {
  return {
    tenantId: principal.tenant.id,
    userId: principal.kind === "user_token" ? principal.userId : null,
  };
}

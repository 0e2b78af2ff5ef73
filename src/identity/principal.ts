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
}

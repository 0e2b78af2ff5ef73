/**
 * Shapes of the gateway's API as the console reads them (see /openapi.json for the whole contract).
 * Type declarations only: checked by `tsc -p tsconfig.console.json`, never served (public/.assetsignore).
 */

export type Principal =
  | { object: "principal"; kind: "admin" }
  | {
      object: "principal";
      kind: "tenant";
      tenant: { id: string; name: string };
      key: { id: string; name: string; prefix: string };
      /** Settings paths only ADMIN_TOKEN may change, e.g. `settings.rate_limits`. */
      operator_settings: string[];
    };

export interface OpenAIErrorBody {
  error: { message: string; type?: string; param?: string | null; code?: string | null };
}

export interface List<T> {
  object: "list";
  data: T[];
  has_more?: boolean;
}

export interface Tenant {
  object: "tenant";
  id: string;
  name: string;
  settings: Record<string, unknown>;
  created_at: number;
}

export interface ApiKey {
  object: "api_key";
  id: string;
  tenant_id: string;
  name: string;
  prefix: string;
  console: boolean;
  scopes: string[];
  created_at: number;
  revoked_at: number | null;
}

export interface CreatedApiKey extends ApiKey {
  key: string;
}

export interface TrafficBucket {
  start: number;
  requests: number;
  errors: number;
  hits: number;
  semantic_hits: number;
  coalesced: number;
  misses: number;
  bypasses: number;
  input_tokens_saved: number;
  output_tokens_saved: number;
  cost_saved_usd: number;
  upstream_input_tokens: number;
  upstream_cached_tokens: number;
  shadow_checks: number;
  shadow_false_hits: number;
}

export interface Traffic {
  object: "list";
  bucket: "minute" | "hour" | "day";
  since: number;
  until: number;
  data: TrafficBucket[];
}

export interface CacheStats {
  object: "cache.stats";
  tenant_id: string;
  requests: number;
  errors?: number;
  hits: number;
  semantic_hits: number;
  coalesced: number;
  misses: number;
  bypasses: number;
  hit_rate: number;
  tokens_saved: { input: number; output: number };
  cost_saved_usd: number;
  upstream: { input_tokens: number; cached_tokens: number };
  shadow: { checks: number; false_hits: number; false_hit_rate: number | null };
}

export type CacheOutcome = "hit" | "semantic_hit" | "coalesced" | "miss" | "bypass";

export interface CacheEvent {
  object: "cache.event";
  id: string;
  at: number;
  endpoint: string;
  /** The model asked for, after alias routing. */
  model: string;
  outcome: CacheOutcome;
  stored: boolean;
  stream: boolean;
  similarity: number | null;
  /** First 16 hex characters of the cache key; null on a bypass. */
  key: string | null;
  input_tokens_saved: number;
  output_tokens_saved: number;
  latency_ms: number;
  shadow: null | { false_hit: boolean; similarity: number };
  preview: string;
}

/** A page of the console: draws into `root`, fetches through `ctx.api`, stops work when `ctx.signal` aborts. */
export interface PageContext {
  root: HTMLElement;
  principal: Principal;
  tenantId: string;
  /** Path segments after the page name: `#/datasets/ds_1` gives `["ds_1"]`. */
  params: string[];
  /** Query of the hash route: `#/datasets/ds_1?tab=evals`. */
  query: URLSearchParams;
  signal: AbortSignal;
  navigate(hash: string): void;
  /** Draws the page again (after an action changed its data). */
  refresh(): void;
}

export interface Page {
  title: string;
  render(ctx: PageContext): Promise<void> | void;
}

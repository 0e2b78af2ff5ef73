/**
 * Shapes of the gateway's API as the console reads them, derived from the server's zod schemas (the
 * same ones that generate /openapi.json): a field the server renames or drops fails
 * `tsc -p tsconfig.console.json` wherever the console reads it. Type declarations only: checked by
 * tsc, never served (public/.assetsignore; src/ is outside the assets directory).
 */
import type { z } from "@hono/zod-openapi";
import type {
  ApiKeySchema,
  CreatedApiKeySchema,
  PrincipalSchema,
  TenantSchema,
} from "../../../src/admin/schemas";
import type {
  CacheEventSchema,
  CacheStatsSchema,
  TrafficBucketSchema,
  TrafficSchema,
} from "../../../src/cache/admin-schemas";

export type Principal = z.output<typeof PrincipalSchema>;

export interface OpenAIErrorBody {
  error: { message: string; type?: string; param?: string | null; code?: string | null };
}

export interface List<T> {
  object: "list";
  data: T[];
  has_more?: boolean;
}

export type Tenant = z.output<typeof TenantSchema>;
export type ApiKey = z.output<typeof ApiKeySchema>;
export type CreatedApiKey = z.output<typeof CreatedApiKeySchema>;
export type TrafficBucket = z.output<typeof TrafficBucketSchema>;
export type Traffic = z.output<typeof TrafficSchema>;
export type CacheStats = z.output<typeof CacheStatsSchema>;
export type CacheEvent = z.output<typeof CacheEventSchema>;
export type CacheOutcome = CacheEvent["outcome"];

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

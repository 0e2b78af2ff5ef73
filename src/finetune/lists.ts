/**
 * The tenant's `GET /v1/files` and `GET /v1/fine_tuning/jobs`, built from the gateway's records of
 * what the tenant created, never from the shared provider account's list: `after`/`limit` cursors,
 * `has_more`, `first_id` and `last_id` only ever name the tenant's own objects.
 * @see docs/openai-reference.md D.3 and D.5
 */
import { GatewayError } from "../platform/errors";
import type { OwnedKind, OwnedPageQuery } from "./owned-repository";

export interface ListRules {
  kind: OwnedKind;
  defaultLimit: number;
  maxLimit: number;
  /** Files take `purpose` and `order`; jobs take `metadata[key]=value`. */
  files: boolean;
}

export const FILE_LIST: ListRules = { kind: "file", defaultLimit: 10_000, maxLimit: 10_000, files: true };
export const JOB_LIST: ListRules = { kind: "fine_tuning.job", defaultLimit: 20, maxLimit: 100, files: false };

function limitOf(raw: string | null, rules: ListRules): number {
  if (raw === null) return rules.defaultLimit;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > rules.maxLimit) {
    throw new GatewayError(
      400,
      `Invalid 'limit': expected an integer between 1 and ${rules.maxLimit}, but got '${raw}' instead.`,
      { param: "limit", code: "invalid_value" },
    );
  }
  return n;
}

function orderOf(raw: string | null): "asc" | "desc" {
  if (raw === null || raw === "desc") return "desc";
  if (raw === "asc") return "asc";
  throw new GatewayError(400, `Invalid value: '${raw}'. Supported values are: 'asc', 'desc'.`, {
    param: "order",
    code: "invalid_value",
  });
}

function metadataOf(query: URLSearchParams): [string, string][] {
  const filters: [string, string][] = [];
  for (const [name, value] of query) {
    const key = /^metadata\[(.+)\]$/.exec(name)?.[1];
    if (key === undefined) continue;
    if (key.includes('"')) {
      throw new GatewayError(400, `Invalid metadata key '${key}': keys cannot contain '"'.`, {
        param: name,
        code: "invalid_value",
      });
    }
    filters.push([key, value]);
  }
  return filters;
}

/** The page asked for by a list request's query string. */
export function listQuery(tenantId: string, url: string, rules: ListRules): OwnedPageQuery {
  const query = new URL(url).searchParams;
  return {
    tenantId,
    kind: rules.kind,
    after: query.get("after") || null,
    limit: limitOf(query.get("limit"), rules),
    order: rules.files ? orderOf(query.get("order")) : "desc",
    purpose: rules.files ? query.get("purpose") || undefined : undefined,
    metadata: rules.files ? [] : metadataOf(query),
  };
}

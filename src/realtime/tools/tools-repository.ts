/**
 * D1 storage of each tenant's server-side tool registry and the Standard Webhooks secret that signs
 * its calls.
 */

import { newWebhookSecret } from "../../platform/standard-webhooks";
import type { ServerTool } from "../policy/realtime-policy";

interface ToolRow {
  name: string;
  description: string;
  parameters: string;
  url: string;
  timeout_ms: number;
  created_at: number;
  updated_at: number;
}

export interface StoredTool extends ServerTool {
  createdAt: number;
  updatedAt: number;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

function toTool(row: ToolRow): StoredTool {
  return {
    name: row.name,
    description: row.description,
    parameters: JSON.parse(row.parameters) as Record<string, unknown>,
    url: row.url,
    timeoutMs: row.timeout_ms,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const SELECT =
  "SELECT name, description, parameters, url, timeout_ms, created_at, updated_at FROM realtime_tools";

/** The tenant's tools and signing secret in one round trip (what every new session needs). */
export async function loadToolRegistry(
  db: D1Database,
  tenantId: string,
): Promise<{ tools: StoredTool[]; secret: string | null }> {
  const [tools, secret] = await db.batch([
    db.prepare(`${SELECT} WHERE tenant_id = ? ORDER BY name`).bind(tenantId),
    db.prepare("SELECT secret FROM realtime_tool_secrets WHERE tenant_id = ?").bind(tenantId),
  ]);
  const rows = (tools?.results ?? []) as ToolRow[];
  const secretRow = (secret?.results as { secret: string }[] | undefined)?.[0];
  return { tools: rows.map(toTool), secret: secretRow?.secret ?? null };
}

/**
 * Creates or replaces a tool. The first tool of a tenant also creates the registry's signing
 * secret, returned here and never again.
 */
export async function putTool(
  db: D1Database,
  tenantId: string,
  tool: ServerTool,
): Promise<{ tool: StoredTool; created: boolean; newSecret: string | null }> {
  const now = nowSeconds();
  const candidate = newWebhookSecret();
  const [secretInsert, existing, saved] = await db.batch([
    db
      .prepare("INSERT OR IGNORE INTO realtime_tool_secrets (tenant_id, secret, created_at) VALUES (?, ?, ?)")
      .bind(tenantId, candidate, now),
    db
      .prepare("SELECT 1 AS found FROM realtime_tools WHERE tenant_id = ? AND name = ?")
      .bind(tenantId, tool.name),
    db
      .prepare(
        `INSERT INTO realtime_tools (tenant_id, name, description, parameters, url, timeout_ms, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (tenant_id, name) DO UPDATE SET description = excluded.description,
           parameters = excluded.parameters, url = excluded.url, timeout_ms = excluded.timeout_ms,
           updated_at = excluded.updated_at
         RETURNING name, description, parameters, url, timeout_ms, created_at, updated_at`,
      )
      .bind(
        tenantId,
        tool.name,
        tool.description,
        JSON.stringify(tool.parameters),
        tool.url,
        tool.timeoutMs,
        now,
        now,
      ),
  ]);
  const row = (saved?.results as ToolRow[] | undefined)?.[0];
  if (!row) throw new Error("tool upsert returned no row");
  return {
    tool: toTool(row),
    created: (existing?.results ?? []).length === 0,
    newSecret: (secretInsert?.meta.changes ?? 0) > 0 ? candidate : null,
  };
}

export async function getTool(db: D1Database, tenantId: string, name: string): Promise<StoredTool | null> {
  const row = await db
    .prepare(`${SELECT} WHERE tenant_id = ? AND name = ?`)
    .bind(tenantId, name)
    .first<ToolRow>();
  return row ? toTool(row) : null;
}

/** Deletes a tool; false when there was none. */
export async function deleteTool(db: D1Database, tenantId: string, name: string): Promise<boolean> {
  const result = await db
    .prepare("DELETE FROM realtime_tools WHERE tenant_id = ? AND name = ?")
    .bind(tenantId, name)
    .run();
  return (result.meta.changes ?? 0) > 0;
}

/** Replaces the tenant's signing secret; the new one is returned once. */
export async function rotateToolSecret(db: D1Database, tenantId: string): Promise<string> {
  const secret = newWebhookSecret();
  await db
    .prepare(
      "INSERT INTO realtime_tool_secrets (tenant_id, secret, created_at) VALUES (?, ?, ?) ON CONFLICT (tenant_id) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at",
    )
    .bind(tenantId, secret, nowSeconds())
    .run();
  return secret;
}

/**
 * D1 storage of model aliases.
 * @see https://developers.cloudflare.com/d1/worker-api/
 */
import { deleteOwned, findOwned } from "../platform/owned-repository";

export interface AliasRow {
  tenant_id: string;
  alias: string;
  model: string;
  canary_model: string | null;
  canary_percent: number | null;
  promoted_eval_id: string | null;
  updated_at: number;
}

export async function putAlias(db: D1Database, row: AliasRow): Promise<void> {
  await db
    .prepare(
      `INSERT INTO model_aliases (tenant_id, alias, model, canary_model, canary_percent, promoted_eval_id, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (tenant_id, alias) DO UPDATE SET model = excluded.model, canary_model = excluded.canary_model,
         canary_percent = excluded.canary_percent, promoted_eval_id = excluded.promoted_eval_id, updated_at = excluded.updated_at`,
    )
    .bind(
      row.tenant_id,
      row.alias,
      row.model,
      row.canary_model,
      row.canary_percent,
      row.promoted_eval_id,
      row.updated_at,
    )
    .run();
}

export function getAlias(db: D1Database, tenantId: string, alias: string): Promise<AliasRow | null> {
  return findOwned<AliasRow>(db, "model_aliases", { column: "alias", value: alias }, { tenantId });
}

export async function listAliases(db: D1Database, tenantId: string): Promise<AliasRow[]> {
  const { results } = await db
    .prepare("SELECT * FROM model_aliases WHERE tenant_id = ? ORDER BY alias")
    .bind(tenantId)
    .all<AliasRow>();
  return results;
}

export function deleteAlias(db: D1Database, tenantId: string, alias: string): Promise<boolean> {
  return deleteOwned(db, "model_aliases", { column: "alias", value: alias }, { tenantId });
}

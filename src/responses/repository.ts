/**
 * D1 records of the Responses API objects each tenant created through the gateway: the tenant, the
 * end user for responses created with an end-user token, and the provider account that answered
 * (a response id means something only there). Every read, cancel and delete, and every
 * `previous_response_id`, is answered from here first.
 * @see https://developers.cloudflare.com/d1/worker-api/
 */
import type { Owner } from "../identity/principal";
import type { ProviderAccount } from "../providers";

export interface ResponseOwnerRow {
  response_id: string;
  tenant_id: string;
  user_id: string | null;
  created_at: number;
  /** The tenant's registered provider that answered, or null. */
  provider: string | null;
  /** The API that answered when neither a registered provider nor the gateway's upstream, or null. */
  base_url: string | null;
}

/** The account a recorded response lives on. */
export function accountOfRow(row: ResponseOwnerRow): ProviderAccount {
  return { provider: row.provider, baseUrl: row.base_url };
}

/**
 * Records `id` as created by `owner` on `account`. An id already recorded (for this owner or anyone
 * else) is left alone: a response has one owner, and a cache hit replaying it adds nothing.
 */
export async function recordResponse(
  db: D1Database,
  owner: Owner,
  id: string,
  account: ProviderAccount,
): Promise<void> {
  await db
    .prepare(
      "INSERT INTO responses (response_id, tenant_id, user_id, created_at, provider, base_url) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (response_id) DO NOTHING",
    )
    .bind(id, owner.tenantId, owner.userId, Math.floor(Date.now() / 1000), account.provider, account.baseUrl)
    .run();
}

/**
 * The record of `id` when `owner` may see it: the tenant's, and for an end user (`userId` set) only
 * the responses that user created.
 */
export async function ownedResponse(
  db: D1Database,
  owner: Owner,
  id: string,
): Promise<ResponseOwnerRow | null> {
  return db
    .prepare(
      "SELECT * FROM responses WHERE response_id = ?1 AND tenant_id = ?2 AND (?3 IS NULL OR user_id = ?3)",
    )
    .bind(id, owner.tenantId, owner.userId)
    .first<ResponseOwnerRow>();
}

export async function forgetResponse(db: D1Database, tenantId: string, id: string): Promise<void> {
  await db.prepare("DELETE FROM responses WHERE response_id = ? AND tenant_id = ?").bind(id, tenantId).run();
}

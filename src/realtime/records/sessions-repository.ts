/**
 * D1 storage of Realtime sessions: the statements the relay's batched writes turn into, and the
 * reads behind `GET /admin/tenants/:id/realtime/sessions[/:id]`.
 * @see https://developers.cloudflare.com/d1/worker-api/
 */
import type { ItemRecord, RealtimeRecord, UsageCounts } from "./session-records";
import { type RecordStores, readTranscript } from "./transcript-archive";

export interface SessionRow {
  id: string;
  tenant_id: string;
  user_id: string;
  key_id: string;
  model: string;
  type: "realtime" | "transcription";
  status: string;
  end_reason: string | null;
  instructions: string | null;
  voice: string | null;
  started_at: number;
  ended_at: number | null;
  responses: number;
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  input_audio_ms: number;
  output_audio_ms: number;
  reconnects: number;
  tool_calls: number;
  /** Where the ended session's transcript is in R2 (src/realtime/records/transcript-archive.ts). */
  transcript_ref: string | null;
}

export type UsageRow = UsageCounts & { response_id: string; status: string | null; created_at: number };

export interface ItemRow {
  item_id: string;
  ordinal: number;
  type: string;
  role: string | null;
  text: string | null;
  name: string | null;
  call_id: string | null;
  arguments: string | null;
  output: string | null;
  server_tool: number;
  tool_error: string | null;
  tool_duration_ms: number | null;
}

const USAGE_COLUMNS = [
  "input_tokens",
  "output_tokens",
  "total_tokens",
  "input_text_tokens",
  "input_audio_tokens",
  "input_image_tokens",
  "cached_tokens",
  "cached_text_tokens",
  "cached_audio_tokens",
  "cached_image_tokens",
  "output_text_tokens",
  "output_audio_tokens",
] as const satisfies readonly (keyof UsageCounts)[];

const seconds = (ms: number) => Math.floor(ms / 1000);

const ITEM_UPSERT = `INSERT INTO realtime_items
  (session_id, item_id, ordinal, type, role, text, name, call_id, arguments, output, server_tool,
   tool_error, tool_duration_ms, updated_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (session_id, item_id) DO UPDATE SET
    role = COALESCE(excluded.role, role), text = COALESCE(excluded.text, text),
    name = COALESCE(excluded.name, name), call_id = COALESCE(excluded.call_id, call_id),
    arguments = COALESCE(excluded.arguments, arguments), output = COALESCE(excluded.output, output),
    server_tool = MAX(server_tool, excluded.server_tool),
    tool_error = COALESCE(excluded.tool_error, tool_error),
    tool_duration_ms = COALESCE(excluded.tool_duration_ms, tool_duration_ms),
    updated_at = excluded.updated_at`;

function itemStatement(db: D1Database, r: ItemRecord): D1PreparedStatement {
  return db
    .prepare(ITEM_UPSERT)
    .bind(
      r.sessionId,
      r.itemId,
      r.ordinal,
      r.type,
      r.role,
      r.text,
      r.name,
      r.callId,
      r.arguments,
      r.output,
      r.serverTool ? 1 : 0,
      r.toolError ?? null,
      r.toolDurationMs === undefined || r.toolDurationMs === null ? null : Math.round(r.toolDurationMs),
      seconds(r.at),
    );
}

/** The D1 statements that store one record. */
export function statementsFor(db: D1Database, r: RealtimeRecord): D1PreparedStatement[] {
  switch (r.kind) {
    case "session_start":
      return [
        db
          .prepare(
            `INSERT OR IGNORE INTO realtime_sessions (id, tenant_id, user_id, key_id, model, type, status, instructions, voice, started_at)
             VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?, ?)`,
          )
          .bind(
            r.id,
            r.tenantId,
            r.userId,
            r.keyId,
            r.model,
            r.type ?? "realtime",
            r.instructions,
            r.voice,
            seconds(r.startedAt),
          ),
      ];
    case "session_config":
      return [
        db
          .prepare(
            `UPDATE realtime_sessions SET instructions = COALESCE(?, instructions), voice = COALESCE(?, voice),
             model = COALESCE(?, model) WHERE id = ?`,
          )
          .bind(r.instructions, r.voice, r.model ?? null, r.id),
      ];
    case "session_end":
      return [
        db
          .prepare(
            `UPDATE realtime_sessions SET status = 'ended', ended_at = ?, end_reason = ?, input_audio_ms = ?,
             output_audio_ms = ?, reconnects = ?, tool_calls = ? WHERE id = ?`,
          )
          .bind(
            seconds(r.endedAt),
            r.reason,
            Math.round(r.inputAudioMs),
            Math.round(r.outputAudioMs),
            r.reconnects,
            r.toolCalls,
            r.id,
          ),
      ];
    case "usage":
      return [
        db
          .prepare(
            `INSERT OR IGNORE INTO realtime_usage (session_id, response_id, status, created_at, ${USAGE_COLUMNS.join(", ")})
             VALUES (?, ?, ?, ?, ${USAGE_COLUMNS.map(() => "?").join(", ")})`,
          )
          .bind(r.sessionId, r.responseId, r.status, seconds(r.at), ...USAGE_COLUMNS.map((c) => r.usage[c])),
        db
          .prepare(
            `UPDATE realtime_sessions SET responses = responses + 1, input_tokens = input_tokens + ?,
             output_tokens = output_tokens + ?, cached_tokens = cached_tokens + ? WHERE id = ?`,
          )
          .bind(r.usage.input_tokens, r.usage.output_tokens, r.usage.cached_tokens, r.sessionId),
      ];
    case "session_abandoned":
      // A restarted Durable Object can no longer serve the session.
      return [
        db
          .prepare(
            "UPDATE realtime_sessions SET status = 'ended', ended_at = ?, end_reason = 'gateway_restarted' WHERE id = ? AND status = 'active'",
          )
          .bind(seconds(r.at), r.id),
      ];
    case "item":
      return [itemStatement(db, r)];
  }
}

export async function listSessions(
  db: D1Database,
  tenantId: string,
  opts: { limit: number; before?: number; userId?: string },
): Promise<SessionRow[]> {
  const conditions = ["tenant_id = ?"];
  const binds: (string | number)[] = [tenantId];
  if (opts.before !== undefined) {
    conditions.push("started_at < ?");
    binds.push(opts.before);
  }
  if (opts.userId !== undefined) {
    conditions.push("user_id = ?");
    binds.push(opts.userId);
  }
  const { results } = await db
    .prepare(
      `SELECT * FROM realtime_sessions WHERE ${conditions.join(" AND ")} ORDER BY started_at DESC, id LIMIT ?`,
    )
    .bind(...binds, opts.limit)
    .all<SessionRow>();
  return results;
}

export interface SessionDetail {
  session: SessionRow;
  usage: UsageRow[];
  items: ItemRow[];
}

/**
 * One session of a tenant with its usage rows and conversation items, in order: from D1 while it is
 * live, from its archived transcript in R2 once it has ended and been archived.
 */
export async function getSessionDetail(
  stores: RecordStores,
  tenantId: string,
  id: string,
): Promise<SessionDetail | null> {
  const db = stores.DB;
  const [session, usage, items] = await db.batch([
    db.prepare("SELECT * FROM realtime_sessions WHERE id = ? AND tenant_id = ?").bind(id, tenantId),
    db
      .prepare(
        `SELECT response_id, status, created_at, ${USAGE_COLUMNS.join(", ")} FROM realtime_usage
         WHERE session_id = ? ORDER BY created_at, rowid`,
      )
      .bind(id),
    db
      .prepare(
        `SELECT item_id, ordinal, type, role, text, name, call_id, arguments, output, server_tool,
         tool_error, tool_duration_ms FROM realtime_items WHERE session_id = ? ORDER BY ordinal`,
      )
      .bind(id),
  ]);
  const row = (session?.results as SessionRow[] | undefined)?.[0];
  if (!row) return null;
  const detail = {
    session: row,
    usage: (usage?.results ?? []) as UsageRow[],
    items: (items?.results ?? []) as ItemRow[],
  };
  if (row.transcript_ref === null) return detail;
  const transcript = await readTranscript(stores, tenantId, row.transcript_ref);
  return { ...detail, items: transcript?.items ?? [] };
}

/**
 * One end user's usage for the current UTC day (audio milliseconds in and out, tokens from
 * `response.done`), kept in memory by the user's Durable Object and saved to its SQLite storage by
 * the alarm, never on the relay path.
 */
import type { RealtimePolicy } from "./realtime-policy";

export type QuotaKind = "audio" | "tokens";

const DAY_MS = 86_400_000;
const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

export const LEDGER_DDL =
  "CREATE TABLE IF NOT EXISTS daily_usage (day TEXT PRIMARY KEY, audio_ms REAL NOT NULL, tokens INTEGER NOT NULL)";

export class DailyLedger {
  private day = "";
  /** When the current UTC day ends: checked per audio frame, so it is a number compare. */
  private dayEndsAt = 0;
  audioMs = 0;
  tokens = 0;
  dirty = false;

  constructor(private readonly sql: SqlStorage) {}

  /** Loads today's counters (call once, under `blockConcurrencyWhile`). */
  load(now: number): void {
    this.day = utcDay(now);
    this.dayEndsAt = (Math.floor(now / DAY_MS) + 1) * DAY_MS;
    const row = this.sql
      .exec<{ audio_ms: number; tokens: number }>(
        "SELECT audio_ms, tokens FROM daily_usage WHERE day = ?",
        this.day,
      )
      .toArray()[0];
    this.audioMs = row?.audio_ms ?? 0;
    this.tokens = row?.tokens ?? 0;
  }

  private roll(now: number): void {
    if (now < this.dayEndsAt) return;
    if (this.dirty) this.save();
    this.day = utcDay(now);
    this.dayEndsAt = (Math.floor(now / DAY_MS) + 1) * DAY_MS;
    this.audioMs = 0;
    this.tokens = 0;
  }

  addAudioMs(ms: number, now: number): void {
    this.roll(now);
    this.audioMs += ms;
    this.dirty = true;
  }

  addTokens(tokens: number, now: number): void {
    this.roll(now);
    this.tokens += tokens;
    this.dirty = true;
  }

  /** The quota the user has used up today, if any. */
  exceeded(policy: RealtimePolicy, now: number): QuotaKind | null {
    this.roll(now);
    if (policy.dailyAudioSeconds !== null && this.audioMs >= policy.dailyAudioSeconds * 1000) return "audio";
    if (policy.dailyTokens !== null && this.tokens >= policy.dailyTokens) return "tokens";
    return null;
  }

  save(): void {
    if (!this.dirty) return;
    this.sql.exec(
      "INSERT INTO daily_usage (day, audio_ms, tokens) VALUES (?, ?, ?) ON CONFLICT (day) DO UPDATE SET audio_ms = excluded.audio_ms, tokens = excluded.tokens",
      this.day,
      this.audioMs,
      this.tokens,
    );
    this.sql.exec("DELETE FROM daily_usage WHERE day < ?", utcDay(Date.now() - 7 * DAY_MS));
    this.dirty = false;
  }
}

/** A user-facing description of an exhausted quota. */
export function quotaMessage(kind: QuotaKind, policy: RealtimePolicy): string {
  return kind === "audio"
    ? `This user has used the daily Realtime audio quota of ${policy.dailyAudioSeconds} seconds. It resets at 00:00 UTC.`
    : `This user has used the daily Realtime quota of ${policy.dailyTokens} tokens. It resets at 00:00 UTC.`;
}

/**
 * The SQLite state of one background validation (held by the `VisionValidatorObject` Durable Object):
 * its meta, the examples sent with the request, image URLs still to check, results by URL hash, and
 * the finished report. Long texts (a request body, a data URL, a report) are kept in pieces, since a
 * Durable Object row holds at most 2 MB.
 * @see https://developers.cloudflare.com/durable-objects/platform/limits/
 */
import type { ImageResult } from "./image-check";
import type { VisionLimits } from "./settings";
import { sha256Bytes } from "./store";

/** Characters per stored piece: at most 3 bytes each in UTF-8, so a piece stays under 2 MB. */
const PIECE_CHARS = 500_000;

const DDL = [
  "CREATE TABLE IF NOT EXISTS body (n INTEGER PRIMARY KEY, text TEXT NOT NULL)",
  "CREATE TABLE IF NOT EXISTS report (n INTEGER PRIMARY KEY, text TEXT NOT NULL)",
  "CREATE TABLE IF NOT EXISTS pending (n INTEGER NOT NULL, piece INTEGER NOT NULL, text TEXT NOT NULL, PRIMARY KEY (n, piece))",
  "CREATE TABLE IF NOT EXISTS results (url_hash TEXT PRIMARY KEY, result TEXT NOT NULL)",
];

export type RunStatus = "in_progress" | "completed" | "failed";

export interface RunMeta {
  id: string;
  tenantId: string;
  datasetId: string;
  /** `request`: the examples of the request body; `dataset`: the stored examples of `split`. */
  source: "request" | "dataset";
  split: "train" | "validation" | "all";
  limits: VisionLimits;
  budget: number;
  /** Stored examples counted towards the dataset minimum (request source). */
  existing: number;
  status: RunStatus;
  phase: "planning" | "checking" | "reporting";
  createdAt: number;
  completedAt: number | null;
  imagesTotal: number;
  imagesChecked: number;
  chunks: number;
  /** The most operations any one chunk was allowed (never above `budget`, unless one URL alone costs more). */
  maxChunkOperations: number;
  failures: number;
  error: { code: string; message: string } | null;
}

export const urlHash = (url: string) => sha256Bytes(new TextEncoder().encode(url));

export class RunStore {
  constructor(private readonly sql: SqlStorage) {}

  init(): void {
    for (const ddl of DDL) this.sql.exec(ddl);
  }

  private putLong(table: "body" | "report", text: string): void {
    this.sql.exec(`DELETE FROM ${table}`);
    for (let at = 0, n = 0; at < text.length || n === 0; at += PIECE_CHARS, n++) {
      this.sql.exec(`INSERT INTO ${table} (n, text) VALUES (?, ?)`, n, text.slice(at, at + PIECE_CHARS));
    }
  }

  private getLong(table: "body" | "report"): string | null {
    const rows = this.sql.exec<{ text: string }>(`SELECT text FROM ${table} ORDER BY n`).toArray();
    return rows.length === 0 ? null : rows.map((r) => r.text).join("");
  }

  putBody(json: string): void {
    this.putLong("body", json);
  }

  body(): string | null {
    return this.getLong("body");
  }

  putReport(json: string): void {
    this.putLong("report", json);
  }

  report(): string | null {
    return this.getLong("report");
  }

  /** Queues URLs to check, after those already queued. */
  addPending(urls: readonly string[]): void {
    const last = this.sql.exec<{ n: number | null }>("SELECT MAX(n) AS n FROM pending").one().n ?? -1;
    urls.forEach((url, i) => {
      for (let at = 0, piece = 0; at < url.length; at += PIECE_CHARS, piece++) {
        this.sql.exec(
          "INSERT INTO pending (n, piece, text) VALUES (?, ?, ?)",
          last + 1 + i,
          piece,
          url.slice(at, at + PIECE_CHARS),
        );
      }
    });
  }

  /** Queued URLs in order, read lazily. */
  *pending(): Generator<{ n: number; url: string }> {
    let current: { n: number; url: string } | null = null;
    for (const row of this.sql.exec<{ n: number; text: string }>(
      "SELECT n, text FROM pending ORDER BY n, piece",
    )) {
      if (current && current.n !== row.n) {
        yield current;
        current = null;
      }
      current = current ? { n: row.n, url: current.url + row.text } : { n: row.n, url: row.text };
    }
    if (current) yield current;
  }

  pendingCount(): number {
    return this.sql.exec<{ c: number }>("SELECT COUNT(DISTINCT n) AS c FROM pending").one().c;
  }

  removePending(ns: readonly number[]): void {
    for (const n of ns) this.sql.exec("DELETE FROM pending WHERE n = ?", n);
  }

  putResult(hash: string, result: ImageResult): void {
    this.sql.exec(
      "INSERT OR REPLACE INTO results (url_hash, result) VALUES (?, ?)",
      hash,
      JSON.stringify(result),
    );
  }

  result(hash: string): ImageResult | null {
    const row = this.sql
      .exec<{ result: string }>("SELECT result FROM results WHERE url_hash = ?", hash)
      .toArray()[0];
    return row ? (JSON.parse(row.result) as ImageResult) : null;
  }

  /** Drops everything but the meta and the report once the run is over. */
  finish(): void {
    this.sql.exec("DELETE FROM body");
    this.sql.exec("DELETE FROM pending");
    this.sql.exec("DELETE FROM results");
  }
}

import { DurableObject } from "cloudflare:workers";
import { normalise, VectorMatrix, type VectorMeta } from "../src/cache/vector-matrix";

export interface SemanticMatch {
  similarity: number;
  cacheKey: string;
  question: string;
}

/** Entries kept per partition; the oldest go first beyond this. */
const MAX_ENTRIES = 100_000;

/**
 * The vectors of one cache partition (same tenant scope, model, output-affecting fields and
 * conversation except its last user message), searched by exact cosine similarity. Vectors are
 * stored as float32 BLOBs in SQLite and searched from memory (`VectorMatrix`).
 * @see docs/caching.md ("Semantic mode") for the path to Cloudflare Vectorize beyond this size.
 */
export class SemanticIndex extends DurableObject {
  private readonly matrix = new VectorMatrix();

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      this.ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS entries (
        vec BLOB NOT NULL, question TEXT NOT NULL, cache_key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)`);
      this.ctx.storage.sql.exec("DELETE FROM entries WHERE expires_at <= ?", Date.now());
      const rows = this.ctx.storage.sql
        .exec<{ vec: ArrayBuffer; question: string; cache_key: string; expires_at: number }>(
          "SELECT vec, question, cache_key, expires_at FROM entries ORDER BY rowid",
        )
        .toArray();
      for (const row of rows) {
        const meta = { cacheKey: row.cache_key, question: row.question, expiresAt: row.expires_at };
        this.matrix.append(new Float32Array(row.vec), meta);
      }
    });
  }

  /** The most similar live entry at or above `threshold`, or null. */
  search(query: Float32Array, threshold: number): SemanticMatch | null {
    const match = this.matrix.search(normalise(query), threshold);
    return match
      ? { similarity: match.similarity, cacheKey: match.meta.cacheKey, question: match.meta.question }
      : null;
  }

  /** Adds (or replaces) the vector of one stored answer; returns the partition's size. */
  add(vector: Float32Array, question: string, cacheKey: string, expiresAt: number): number {
    const vec = normalise(vector);
    if (this.matrix.dims !== 0 && vec.length !== this.matrix.dims) return this.matrix.count;
    const existing = this.matrix.meta.findIndex((e) => e.cacheKey === cacheKey);
    if (existing !== -1) this.matrix.remove([existing]);
    this.ctx.storage.sql.exec(
      "INSERT OR REPLACE INTO entries (vec, question, cache_key, expires_at) VALUES (?, ?, ?, ?)",
      vec.buffer.slice(vec.byteOffset, vec.byteOffset + vec.byteLength),
      question,
      cacheKey,
      expiresAt,
    );
    this.matrix.append(vec, { cacheKey, question, expiresAt });
    if (this.matrix.count > MAX_ENTRIES) this.evict();
    return this.matrix.count;
  }

  /** Drops expired rows, then the oldest while the partition is over its size. */
  private evict(): void {
    const now = Date.now();
    const drop = new Set<number>();
    this.matrix.meta.forEach((e, i) => {
      if (e.expiresAt <= now) drop.add(i);
    });
    for (let i = 0; this.matrix.count - drop.size > MAX_ENTRIES && i < this.matrix.count; i++) drop.add(i);
    for (const meta of this.matrix.remove(drop)) this.forget(meta);
  }

  private forget(meta: VectorMeta): void {
    this.ctx.storage.sql.exec("DELETE FROM entries WHERE cache_key = ?", meta.cacheKey);
  }
}

import { DurableObject } from "cloudflare:workers";

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
 * stored as float32 BLOBs in SQLite and held in one contiguous Float32Array in memory, normalised,
 * so a search is a single pass of dot products.
 * @see README.md ("Semantic cache") for the path to Cloudflare Vectorize beyond this size.
 */
export class SemanticIndex extends DurableObject {
  private dims = 0;
  private count = 0;
  private matrix = new Float32Array(0);
  private rowIds: number[] = [];
  private meta: { cacheKey: string; question: string; expiresAt: number }[] = [];

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      this.ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS entries (
        id INTEGER PRIMARY KEY AUTOINCREMENT, vec BLOB NOT NULL, question TEXT NOT NULL,
        cache_key TEXT NOT NULL UNIQUE, expires_at INTEGER NOT NULL)`);
      this.load();
    });
  }

  private load(): void {
    const now = Date.now();
    this.ctx.storage.sql.exec("DELETE FROM entries WHERE expires_at <= ?", now);
    const rows = this.ctx.storage.sql
      .exec<{ id: number; vec: ArrayBuffer; question: string; cache_key: string; expires_at: number }>(
        "SELECT id, vec, question, cache_key, expires_at FROM entries ORDER BY id",
      )
      .toArray();
    for (const row of rows)
      this.append(row.id, new Float32Array(row.vec), row.cache_key, row.question, row.expires_at);
  }

  private append(id: number, vec: Float32Array, cacheKey: string, question: string, expiresAt: number): void {
    if (this.dims === 0) this.dims = vec.length;
    if (vec.length !== this.dims) return;
    if ((this.count + 1) * this.dims > this.matrix.length) {
      const grown = new Float32Array(Math.max(this.dims * 64, this.matrix.length * 2));
      grown.set(this.matrix);
      this.matrix = grown;
    }
    this.matrix.set(vec, this.count * this.dims);
    this.rowIds.push(id);
    this.meta.push({ cacheKey, question, expiresAt });
    this.count++;
  }

  /** The most similar live entry at or above `threshold`, or null. */
  search(query: Float32Array, threshold: number): SemanticMatch | null {
    if (this.count === 0 || query.length !== this.dims) return null;
    const q = normalise(query);
    const d = this.dims;
    const m = this.matrix;
    const now = Date.now();
    let best = -1;
    let bestScore = threshold;
    for (let row = 0; row < this.count; row++) {
      const base = row * d;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let i = 0;
      for (; i + 3 < d; i += 4) {
        s0 += (m[base + i] as number) * (q[i] as number);
        s1 += (m[base + i + 1] as number) * (q[i + 1] as number);
        s2 += (m[base + i + 2] as number) * (q[i + 2] as number);
        s3 += (m[base + i + 3] as number) * (q[i + 3] as number);
      }
      for (; i < d; i++) s0 += (m[base + i] as number) * (q[i] as number);
      const score = s0 + s1 + s2 + s3;
      if (score >= bestScore && (this.meta[row]?.expiresAt ?? 0) > now) {
        bestScore = score;
        best = row;
      }
    }
    const hit = this.meta[best];
    return hit
      ? { similarity: Math.min(1, bestScore), cacheKey: hit.cacheKey, question: hit.question }
      : null;
  }

  /** Adds (or replaces) the vector of one stored answer. */
  add(vector: Float32Array, question: string, cacheKey: string, expiresAt: number): number {
    const vec = normalise(vector);
    if (this.dims !== 0 && vec.length !== this.dims) return this.count;
    const existing = this.meta.findIndex((e) => e.cacheKey === cacheKey);
    if (existing !== -1) this.remove([existing]);
    const row = this.ctx.storage.sql
      .exec<{ id: number }>(
        "INSERT INTO entries (vec, question, cache_key, expires_at) VALUES (?, ?, ?, ?) RETURNING id",
        vec.buffer.slice(vec.byteOffset, vec.byteOffset + vec.byteLength),
        question,
        cacheKey,
        expiresAt,
      )
      .one();
    this.append(row.id, vec, cacheKey, question, expiresAt);
    if (this.count > MAX_ENTRIES) this.evictExpiredAndOldest();
    return this.count;
  }

  size(): number {
    return this.count;
  }

  /** Drops expired rows, then the oldest rows while the partition is over its size. */
  private evictExpiredAndOldest(): void {
    const now = Date.now();
    const drop = new Set<number>();
    this.meta.forEach((e, i) => {
      if (e.expiresAt <= now) drop.add(i);
    });
    for (let i = 0; this.count - drop.size > MAX_ENTRIES && i < this.count; i++) drop.add(i);
    this.remove([...drop]);
  }

  /** Removes rows from storage and compacts the in-memory matrix. */
  private remove(rows: number[]): void {
    const gone = new Set(rows);
    for (const r of gone) this.ctx.storage.sql.exec("DELETE FROM entries WHERE id = ?", this.rowIds[r] ?? -1);
    let write = 0;
    for (let read = 0; read < this.count; read++) {
      if (gone.has(read)) continue;
      if (write !== read) {
        this.matrix.copyWithin(write * this.dims, read * this.dims, (read + 1) * this.dims);
        this.rowIds[write] = this.rowIds[read] as number;
        this.meta[write] = this.meta[read] as (typeof this.meta)[number];
      }
      write++;
    }
    this.count = write;
    this.rowIds.length = write;
    this.meta.length = write;
  }
}

function normalise(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += (v[i] as number) ** 2;
  const norm = Math.sqrt(sum) || 1;
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = (v[i] as number) / norm;
  return out;
}

/**
 * Bodies in R2, many per object: a batch of records (captured calls, dataset examples, transcripts)
 * is written as one append-only *segment* `seg/<tenant>/<segment id>`, and each record's D1 index row
 * keeps a short reference to its bytes (`ref`, ~50 characters) instead of the body.
 *
 * Why segments and not one object per record: a write to R2 is a class A operation ($4.50 per
 * million); one object per capture at 100 captures a second is 8.6 million writes a day, one
 * segment per queue batch of up to 100 is 86,000 (docs/storage.md, docs/capacity.md). Reads are
 * ranged, so a page of records written together costs one read.
 *
 * Why each record is sealed with its own key: segments are append-only, so deleting a record (a
 * stored completion, an example, a whole tenant) cannot cut its bytes out of the object. Each record
 * is encrypted with a fresh AES-128-GCM key that lives only in its D1 row (inside `ref`): deleting
 * the row makes the bytes unreadable at once ("crypto-shredding"), and the bucket alone reveals
 * nothing. A key is used for exactly one message, so the nonce can be fixed.
 * @see https://developers.cloudflare.com/r2/api/workers/workers-api-reference/#ranged-reads
 * @see https://developers.cloudflare.com/r2/pricing/
 */

/** Version tag of the reference format: `s1.<segment>.<offset>.<length>.<key>`. */
const REF_VERSION = "s1";
/** AES-GCM with a key used once: a fixed all-zero nonce is safe. */
const NONCE = new Uint8Array(12);
/** Ranges of one segment closer than this are read in one request (the bytes between are dropped). */
const MERGE_GAP_BYTES = 64 * 1024;
/** A merged read never spans more than this, so memory stays bounded whatever the page. */
const MAX_READ_BYTES = 8 * 1024 * 1024;
/** Ranged reads of one call in flight at once. */
const READ_CONCURRENCY = 6;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Where one record's bytes are, and the key that opens them. */
export interface RecordRef {
  segment: string;
  offset: number;
  length: number;
  key: Uint8Array;
}

function base64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text: string): Uint8Array {
  const s = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export function formatRef(ref: RecordRef): string {
  return [REF_VERSION, ref.segment, ref.offset, ref.length, base64url(ref.key)].join(".");
}

/** The reference stored in a row, or null when the text is not one (e.g. an inline body of an older row). */
export function parseRef(text: string): RecordRef | null {
  const parts = text.split(".");
  if (parts.length !== 5 || parts[0] !== REF_VERSION) return null;
  const [, segment = "", offset, length, key = ""] = parts;
  const o = Number(offset);
  const l = Number(length);
  if (!/^[0-9a-z]{1,40}$/.test(segment) || !Number.isSafeInteger(o) || !Number.isSafeInteger(l)) return null;
  if (o < 0 || l < 16 || !/^[A-Za-z0-9_-]{22}$/.test(key)) return null;
  return { segment, offset: o, length: l, key: fromBase64url(key) };
}

export function segmentKey(tenant: string, segment: string): string {
  return `seg/${tenant}/${segment}`;
}

function newSegmentId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(10));
  let id = Date.now().toString(36);
  for (const b of bytes) id += (b % 36).toString(36);
  return id;
}

async function seal(plain: Uint8Array): Promise<{ key: Uint8Array; sealed: Uint8Array }> {
  const key = crypto.getRandomValues(new Uint8Array(16));
  const cryptoKey = await crypto.subtle.importKey("raw", key, "AES-GCM", false, ["encrypt"]);
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-GCM", iv: NONCE }, cryptoKey, plain),
  );
  return { key, sealed };
}

async function open(ref: RecordRef, sealed: Uint8Array): Promise<string> {
  const cryptoKey = await crypto.subtle.importKey("raw", ref.key, "AES-GCM", false, ["decrypt"]);
  const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: NONCE }, cryptoKey, sealed);
  return decoder.decode(plain);
}

/**
 * Writes `bodies` (all of one tenant) as one segment; answers each body's reference, in order. The
 * object is complete or absent (R2 puts are atomic), so a reference is only handed out for bytes
 * that are there.
 */
export async function writeSegment(
  bucket: R2Bucket,
  tenant: string,
  bodies: readonly string[],
): Promise<string[]> {
  if (bodies.length === 0) return [];
  const segment = newSegmentId();
  const sealed = await Promise.all(bodies.map((body) => seal(encoder.encode(body))));
  let size = 0;
  for (const s of sealed) size += s.sealed.byteLength;
  const bytes = new Uint8Array(size);
  const refs: string[] = [];
  let offset = 0;
  for (const s of sealed) {
    bytes.set(s.sealed, offset);
    refs.push(formatRef({ segment, offset, length: s.sealed.byteLength, key: s.key }));
    offset += s.sealed.byteLength;
  }
  await bucket.put(segmentKey(tenant, segment), bytes, {
    customMetadata: { records: String(bodies.length) },
  });
  return refs;
}

interface Span {
  segment: string;
  start: number;
  end: number;
  members: { index: number; ref: RecordRef }[];
}

/** Groups references into ranged reads: same segment, near each other, within the read limit. */
function spansOf(refs: readonly (RecordRef | null)[]): Span[] {
  const ordered = refs
    .map((ref, index) => ({ index, ref }))
    .filter((m): m is { index: number; ref: RecordRef } => m.ref !== null)
    .sort((a, b) => a.ref.segment.localeCompare(b.ref.segment) || a.ref.offset - b.ref.offset);
  const spans: Span[] = [];
  for (const m of ordered) {
    const last = spans[spans.length - 1];
    const end = m.ref.offset + m.ref.length;
    if (
      last &&
      last.segment === m.ref.segment &&
      m.ref.offset - last.end <= MERGE_GAP_BYTES &&
      end - last.start <= MAX_READ_BYTES
    ) {
      last.end = Math.max(last.end, end);
      last.members.push(m);
    } else {
      spans.push({ segment: m.ref.segment, start: m.ref.offset, end, members: [m] });
    }
  }
  return spans;
}

/** Thrown when a referenced segment is missing from R2: the row points at bytes that are not there. */
export class MissingSegmentError extends Error {}

/**
 * The bodies behind `refs` (each a `ref` string of one tenant's rows), in order; a reference that
 * does not parse answers null. Records written together are fetched with one ranged read.
 */
export async function readRecords(
  bucket: R2Bucket,
  tenant: string,
  refs: readonly string[],
): Promise<(string | null)[]> {
  const parsed = refs.map(parseRef);
  const out: (string | null)[] = refs.map(() => null);
  const spans = spansOf(parsed);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < spans.length; i = next++) {
      const span = spans[i] as Span;
      const object = await bucket.get(segmentKey(tenant, span.segment), {
        range: { offset: span.start, length: span.end - span.start },
      });
      if (!object) throw new MissingSegmentError(`segment ${span.segment} of tenant ${tenant} is missing`);
      const bytes = new Uint8Array(await object.arrayBuffer());
      for (const m of span.members) {
        const from = m.ref.offset - span.start;
        out[m.index] = await open(m.ref, bytes.subarray(from, from + m.ref.length));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, spans.length) }, worker));
  return out;
}

/** One body, or null when `ref` is not a reference. */
export async function readRecord(bucket: R2Bucket, tenant: string, ref: string): Promise<string | null> {
  const [body] = await readRecords(bucket, tenant, [ref]);
  return body ?? null;
}

/** Whether a stored column holds a segment reference (else it is an inline body, written before R2). */
export function isRef(text: string): boolean {
  return text.startsWith(`${REF_VERSION}.`) && parseRef(text) !== null;
}

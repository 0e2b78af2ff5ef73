/**
 * The consumer of the capture queue: each batch (up to 100 captures) is grouped by tenant; per
 * tenant, the ids D1 already has are skipped (one query), the others' bodies are written to R2 as one
 * segment, then their index rows go to D1 in one batch with `INSERT OR IGNORE`. A redelivered
 * message therefore never duplicates a row. A failed write is retried by the queue with a growing
 * delay; a capture that fails every delivery reaches the dead-letter queue, whose consumer keeps it
 * as a dead letter (listed and replayed by the admin API).
 * @see https://developers.cloudflare.com/queues/configuration/batching-retries/
 * @see docs/storage.md
 */
import type { Bindings } from "../platform/env";
import { log } from "../platform/log";
import { readRecords, writeSegment } from "../storage/segments";
import { captureBody } from "./completion-bodies";
import { type CaptureRecord, existingCompletionIds, insertCompletions } from "./completions-repository";
import { addDeadLetter, isTooBig } from "./dead-letters";

/** The capture queue (wrangler.toml `[[queues.consumers]]`). */
export const CAPTURE_QUEUE_NAME = "edgegate-capture";
/** Where the queue moves a capture after its last failed delivery. */
export const CAPTURE_DEAD_LETTER_QUEUE_NAME = "edgegate-capture-dlq";
/** Deliveries of one capture before the dead-letter queue: `max_retries` + 1 in wrangler.toml. */
export const CAPTURE_DELIVERY_ATTEMPTS = 6;

/**
 * A capture whose record, even without its body, is over the queue's message limit (a huge `user`):
 * the whole record is in R2 and the message only points at it.
 */
export interface SpilledCapture {
  tenantId: string;
  id: string;
  spillRef: string;
}

/** One queue message: a capture record (its body inline or by `bodyRef`), or a spilled one. */
export type CaptureMessage = CaptureRecord | SpilledCapture;

type Store = Pick<Bindings, "DB" | "BLOBS">;

function isSpilled(message: CaptureMessage): message is SpilledCapture {
  return "spillRef" in message;
}

/** The records behind `messages` (all of one tenant), reading spilled ones back from R2 at once. */
export async function unspill(
  env: Store,
  tenantId: string,
  messages: readonly CaptureMessage[],
): Promise<CaptureRecord[]> {
  const spilled = messages.filter(isSpilled);
  const texts = await readRecords(
    env.BLOBS,
    tenantId,
    spilled.map((m) => m.spillRef),
  );
  const byId = new Map(spilled.map((m, i) => [m.id, texts[i]]));
  return messages.map((m) => {
    if (!isSpilled(m)) return m;
    const text = byId.get(m.id);
    if (!text) throw new Error(`spilled capture ${m.id} is not readable`);
    return JSON.parse(text) as CaptureRecord;
  });
}

/**
 * Indexes a tenant's captures: ids already stored are skipped, the new bodies go to R2 as one
 * segment, the rows to D1 in one batch. Answers how many rows were new. Safe to repeat: a second
 * call with the same captures writes nothing.
 */
export async function storeCaptures(
  env: Store,
  tenantId: string,
  messages: readonly CaptureMessage[],
): Promise<number> {
  const unique = [...new Map(messages.map((m) => [m.id, m])).values()];
  const existing = await existingCompletionIds(
    env.DB,
    tenantId,
    unique.map((m) => m.id),
  );
  const fresh = await unspill(
    env,
    tenantId,
    unique.filter((m) => !existing.has(m.id)),
  );
  if (fresh.length === 0) return 0;
  const inline = fresh.filter((r) => r.bodyRef === undefined);
  const refs = await writeSegment(
    env.BLOBS,
    tenantId,
    inline.map((r) => captureBody(r.request, r.answer)),
  );
  const refOf = new Map(inline.map((r, i) => [r.id, refs[i]]));
  const rows = fresh.map((r) => ({
    ...r,
    tenantId,
    request: "",
    answer: "",
    bodyRef: r.bodyRef ?? refOf.get(r.id),
  }));
  await insertCompletions(env.DB, rows);
  return rows.length;
}

/** Seconds before a failed capture is delivered again: 10 s, 30 s, 90 s, … (about 20 minutes in all). */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(10 * 3 ** Math.max(0, attempts - 1), 3_600);
}

async function settleFailed(env: Bindings, message: Message<CaptureMessage>, err: unknown): Promise<void> {
  const { tenantId, id } = message.body;
  if (isTooBig(err)) {
    // A row D1 will never take (a huge `user`): kept now rather than after every retry.
    try {
      const [record = message.body] = await unspill(env, tenantId, [message.body]);
      const deadLetterId = await addDeadLetter(env, record, "too_large", message.attempts, err);
      log(env, "error", "capture too large for a row, kept as a dead letter", {
        id,
        tenant_id: tenantId,
        dead_letter_id: deadLetterId,
      });
      message.ack();
      return;
    } catch {
      // D1 or R2 is down: retried like any failure.
    }
  }
  log(env, "warn", "capture write failed, retrying", {
    id,
    tenant_id: tenantId,
    attempts: message.attempts,
    error: String(err),
  });
  message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
}

/** One tenant's messages of a batch: together, or one by one when that fails (one bad record holds back no other). */
async function consumeTenant(
  env: Bindings,
  tenantId: string,
  messages: readonly Message<CaptureMessage>[],
): Promise<void> {
  try {
    await storeCaptures(
      env,
      tenantId,
      messages.map((m) => m.body),
    );
    for (const m of messages) m.ack();
    return;
  } catch (err) {
    const [only] = messages;
    if (messages.length === 1 && only) return settleFailed(env, only, err);
  }
  for (const m of messages) {
    try {
      await storeCaptures(env, tenantId, [m.body]);
      m.ack();
    } catch (err) {
      await settleFailed(env, m, err);
    }
  }
}

function byTenant<T extends { body: { tenantId: string } }>(messages: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const m of messages) {
    const list = groups.get(m.body.tenantId) ?? [];
    list.push(m);
    groups.set(m.body.tenantId, list);
  }
  return groups;
}

/** The capture queue's batch handler. */
export async function consumeCaptures(batch: MessageBatch<CaptureMessage>, env: Bindings): Promise<void> {
  await Promise.all(
    [...byTenant(batch.messages)].map(([tenantId, messages]) => consumeTenant(env, tenantId, messages)),
  );
}

/**
 * The dead-letter queue's batch handler: each capture becomes a dead letter (summary row in D1,
 * record in R2), once per capture id; a failure is retried by the queue.
 */
export async function consumeDeadCaptures(batch: MessageBatch<CaptureMessage>, env: Bindings): Promise<void> {
  for (const m of batch.messages) {
    try {
      const [record] = await unspill(env, m.body.tenantId, [m.body]);
      const error = `not written after ${CAPTURE_DELIVERY_ATTEMPTS} deliveries (each failure is in the Worker's logs)`;
      const id = await addDeadLetter(env, record ?? m.body, "refused", CAPTURE_DELIVERY_ATTEMPTS, error);
      log(env, "error", "capture moved to the dead letters", {
        id: m.body.id,
        tenant_id: m.body.tenantId,
        dead_letter_id: id,
      });
      m.ack();
    } catch (err) {
      log(env, "error", "dead capture not kept yet, retrying", { id: m.body.id, error: String(err) });
      m.retry({ delaySeconds: retryDelaySeconds(m.attempts) });
    }
  }
}

/**
 * Traffic capture: a chat completion or response sent with `store: true` (or any, when the tenant
 * captures all) is sent to the capture queue after the response; the request path does nothing
 * else. The queue's consumer (`capture-consumer.ts`) writes bodies to R2 and index rows to D1 in
 * batches, retries failures and hands captures that fail every delivery to the dead-letter queue,
 * whose consumer keeps them as dead letters (`dead-letters.ts`): never silently lost.
 * @see docs/openai-reference.md D.1
 * @see docs/storage.md
 */
import type { Context } from "hono";
import type { AnsweredCall } from "../cache";
import { newId } from "../identity/crypto";
import type { AppEnv, Bindings } from "../platform/env";
import type { JsonObject } from "../platform/json";
import { log } from "../platform/log";
import { writeSegment } from "../storage/segments";
import { dehydrateRequest } from "../vision/captured";
import { imageStore } from "../vision/store";
import type { CaptureMessage } from "./capture-consumer";
import { captureBody } from "./completion-bodies";
import type { CaptureRecord } from "./completions-repository";
import { parseMetadata } from "./metadata";

/** Delays before the retries of a failed send to the queue. */
const RETRY_DELAYS_MS = [25, 100];
/**
 * A message bigger than this carries its body by reference: the queue takes messages of up to
 * 128 KB, and the rest of the record and the message's own framing need room.
 * @see https://developers.cloudflare.com/queues/platform/limits/
 */
export const MESSAGE_BODY_MAX_BYTES = 100_000;

const utf8Bytes = (text: string) => new TextEncoder().encode(text).byteLength;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function numberAt(obj: unknown, key: string): number | null {
  const v = obj && typeof obj === "object" ? (obj as JsonObject)[key] : undefined;
  return typeof v === "number" ? v : null;
}

/** The record for one answered call, or null when it is not to be kept (no answer, embeddings). */
export function captureRecord(
  tenantId: string,
  answered: AnsweredCall,
  nowMs = Date.now(),
): CaptureRecord | null {
  const { kind, answer, request } = answered;
  if (!answer || (kind !== "chat" && kind !== "responses")) return null;
  const usage = answer.usage;
  // A cache hit replays an earlier answer's id; it is stored as its own completion.
  const replayed = answered.status !== "MISS" && answered.status !== "BYPASS";
  const answerId = typeof answer.id === "string" && !replayed ? answer.id : null;
  const id = answerId ?? (kind === "chat" ? `chatcmpl-${newId("eg")}` : `resp_${newId("eg")}`);
  return {
    id,
    tenantId,
    kind,
    model: typeof answer.model === "string" ? answer.model : String(request.model),
    request: JSON.stringify(request),
    answer: JSON.stringify({ ...answer, id }),
    metadata: parseMetadata(request.metadata),
    userId: answered.endUser,
    cacheStatus: answered.status,
    latencyMs: answered.latencyMs,
    inputTokens: numberAt(usage, "prompt_tokens") ?? numberAt(usage, "input_tokens"),
    outputTokens: numberAt(usage, "completion_tokens") ?? numberAt(usage, "output_tokens"),
    createdMs: nowMs,
  };
}

/**
 * The queue message for a record: the record itself when it fits; over ~100 KB its body is first
 * written to R2 as a one-record segment and the message carries the reference; and should even
 * that not fit (a huge `user`), the whole record goes to R2 and the message only points at it.
 */
export async function captureMessage(
  env: Pick<Bindings, "BLOBS">,
  record: CaptureRecord,
): Promise<CaptureMessage> {
  if (utf8Bytes(JSON.stringify(record)) <= MESSAGE_BODY_MAX_BYTES) return record;
  const bodyless: CaptureRecord = { ...record, request: "", answer: "" };
  if (utf8Bytes(JSON.stringify(bodyless)) <= MESSAGE_BODY_MAX_BYTES) {
    const [bodyRef] = await writeSegment(env.BLOBS, record.tenantId, [
      captureBody(record.request, record.answer),
    ]);
    return { ...bodyless, bodyRef };
  }
  const [spillRef = ""] = await writeSegment(env.BLOBS, record.tenantId, [JSON.stringify(record)]);
  return { tenantId: record.tenantId, id: record.id, spillRef };
}

/** Sends a capture to the queue, retrying a failed send briefly. */
export async function enqueueCapture(
  env: Pick<Bindings, "BLOBS" | "CAPTURE_QUEUE">,
  record: CaptureRecord,
): Promise<void> {
  const message = await captureMessage(env, record);
  for (let attempt = 0; ; attempt++) {
    try {
      await env.CAPTURE_QUEUE.send(message, { contentType: "json" });
      return;
    } catch (err) {
      const delay = RETRY_DELAYS_MS[attempt];
      if (delay === undefined) throw err;
      await sleep(delay);
    }
  }
}

/**
 * The proxy's `onAnswer` hook for a request, or undefined when nothing is to be captured. Validates
 * `metadata` first, so a bad value is a 400 before anything reaches the provider.
 */
export function captureHook(
  c: Context<AppEnv>,
  kind: string,
  body: JsonObject,
): ((answered: AnsweredCall) => Promise<void>) | undefined {
  if (kind !== "chat" && kind !== "responses") return undefined;
  parseMetadata(body.metadata);
  const tenantId = c.get("principal").tenant.id;
  const captureAll = c.get("principal").tenant.settings.distillation?.capture_all === true;
  if (body.store !== true && !captureAll) return undefined;
  const env = c.env;
  return async (answered) => {
    // Yield first, so the response is on its way before any capture work runs.
    await sleep(0);
    const record = captureRecord(tenantId, answered);
    if (!record) return;
    try {
      // Images go to the content-addressed store; the row keeps references.
      const original = record.request;
      record.request = await dehydrateRequest(imageStore(env, tenantId), original).catch(() => original);
      await enqueueCapture(env, record);
    } catch (err) {
      log(env, "error", "capture lost", { id: record.id, tenant_id: tenantId, error: String(err) });
    }
  };
}

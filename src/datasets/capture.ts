/**
 * Traffic capture: a chat completion or response sent with `store: true` (or any, when the tenant
 * captures all) is written to D1 after the response. A failed write is retried; if D1 stays down
 * the record goes to the tenant's `CaptureBuffer` Durable Object, whose alarm writes it later. A
 * record D1 refuses for good (too big for a row, or refused by every buffered attempt) becomes a
 * dead letter (`dead-letters.ts`): kept, visible and retryable, never silently lost.
 * @see docs/openai-reference.md D.1
 */
import type { Context } from "hono";
import type { AnsweredCall } from "../cache";
import { newId } from "../identity/crypto";
import type { AppEnv, Bindings } from "../platform/env";
import type { JsonObject } from "../platform/json";
import { log } from "../platform/log";
import { dehydrateRequest } from "../vision/captured";
import { imageStore } from "../vision/store";
import { type CaptureRecord, insertCompletions } from "./completions-repository";
import { addDeadLetter, isTooBig } from "./dead-letters";
import { parseMetadata } from "./metadata";

/** Delays before the in-request retries of a failed D1 write (then the durable buffer takes over). */
const RETRY_DELAYS_MS = [25, 100];

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
 * Writes to D1 with retries; hands the record to the durable buffer when D1 keeps failing. A row too
 * big for D1 is never retried: it is kept compressed as a dead letter (`too_large`, listed by the
 * admin API) and logged, until bodies are stored outside the row.
 */
export async function persistCapture(
  env: Bindings,
  record: CaptureRecord,
): Promise<"stored" | "buffered" | "dead_letter"> {
  for (let attempt = 0; ; attempt++) {
    try {
      await insertCompletions(env.DB, [record]);
      return "stored";
    } catch (err) {
      if (isTooBig(err)) {
        const id = await addDeadLetter(env.DB, record, "too_large", attempt + 1, err);
        log(env, "error", "capture too large for a row, kept as a dead letter", {
          id: record.id,
          tenant_id: record.tenantId,
          dead_letter_id: id,
          error: String(err),
        });
        return "dead_letter";
      }
      const delay = RETRY_DELAYS_MS[attempt];
      if (delay === undefined) {
        log(env, "warn", "capture write failed, buffering", { id: record.id, error: String(err) });
        break;
      }
      await sleep(delay);
    }
  }
  await env.CAPTURE_BUFFER.getByName(record.tenantId).enqueue(record);
  return "buffered";
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
      await persistCapture(env, record);
    } catch (err) {
      log(env, "error", "capture lost", { id: record.id, tenant_id: tenantId, error: String(err) });
    }
  };
}

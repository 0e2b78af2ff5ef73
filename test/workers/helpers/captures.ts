/**
 * Captures driven through the capture queue's consumer directly (the ack/retry outcome of a batch is
 * then known at once), and capture records made up for it.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { CaptureMessage } from "../../../src/datasets/capture-consumer";
import type { CaptureRecord } from "../../../src/datasets/completions-repository";
import worker from "../../../src/index";
import { ask } from "./chat";
import { gw } from "./gateway";

/** A captured chat completion as the capture hook makes one. */
export function captureFixture(tenantId: string, overrides: Partial<CaptureRecord> = {}): CaptureRecord {
  return {
    id: `chatcmpl-${crypto.randomUUID()}`,
    tenantId,
    kind: "chat",
    model: "gpt-4o-mini",
    request: JSON.stringify(ask("kept")),
    answer: JSON.stringify({ choices: [{ message: { role: "assistant", content: "ok" } }] }),
    metadata: {},
    userId: null,
    cacheStatus: "MISS",
    latencyMs: 5,
    inputTokens: 1,
    outputTokens: 1,
    createdMs: Date.now(),
    ...overrides,
  };
}

let delivery = 0;

/**
 * Delivers `bodies` as one batch of `queue` (each message on its `attempts`-th delivery) to the
 * Worker's queue handler; answers which messages were acked and which retried (with their delays).
 */
export async function deliver(
  queue: string,
  bodies: readonly CaptureMessage[],
  attempts = 1,
): Promise<{ acked: string[]; retried: { msgId: string; delaySeconds?: number }[]; ids: string[] }> {
  const messages = bodies.map((body) => ({
    id: `msg-${++delivery}`,
    timestamp: new Date(),
    attempts,
    body,
  }));
  const batch = createMessageBatch<CaptureMessage>(queue, messages);
  const ctx = createExecutionContext();
  await worker.queue(batch, env);
  const result = await getQueueResult(batch, ctx);
  return { acked: result.explicitAcks, retried: result.retryMessages, ids: messages.map((m) => m.id) };
}

/**
 * `GET /v1/chat/completions/{id}` once the capture has landed (it goes through the queue after the
 * response), polling for up to 3 s with a short pause between tries (a tight loop of calls keeps the
 * queue's consumer from running); the last answer when it never does.
 */
export async function storedCompletion(key: string, id: string): Promise<Response> {
  const deadline = Date.now() + 3_000;
  for (;;) {
    const res = await gw(`/v1/chat/completions/${id}`, { headers: { authorization: `Bearer ${key}` } });
    if (res.status !== 404 || Date.now() > deadline) return res;
    await res.body?.cancel();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

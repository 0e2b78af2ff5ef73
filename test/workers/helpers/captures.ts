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

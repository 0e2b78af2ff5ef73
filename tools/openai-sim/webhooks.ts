/**
 * Outgoing webhooks, signed like OpenAI's (Standard Webhooks: `webhook-id`, `webhook-timestamp`,
 * `webhook-signature: v1,<base64 HMAC-SHA256>`), delivered to `state.config.webhookUrl` with retries.
 * @see docs/openai-reference.md F
 */
import { createHmac } from "node:crypto";
import type { SimState } from "./state";
import { type SimStore, schedule } from "./store";
import { nowSeconds, randomHexId } from "./text";

export const WEBHOOK_USER_AGENT = "OpenAI/1.0 (+https://platform.openai.com/docs/webhooks)";
/** Waits before the 2nd, 3rd and 4th attempt (OpenAI backs off over hours; tests cannot wait that long). */
export const WEBHOOK_RETRY_DELAYS_MS = [250, 1_000, 3_000] as const;
const ATTEMPT_TIMEOUT_MS = 5_000;

/**
 * `v1,<signature>` for a Standard Webhooks delivery: base64 HMAC-SHA256 of `${id}.${timestamp}.${body}`,
 * keyed with the base64-decoded part after `whsec_` (or the secret's UTF-8 bytes without that prefix).
 */
export function signWebhook(secret: string, id: string, timestamp: number | string, body: string): string {
  const key = secret.startsWith("whsec_")
    ? Buffer.from(secret.slice("whsec_".length), "base64")
    : Buffer.from(secret, "utf8");
  const signature = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64");
  return `v1,${signature}`;
}

export interface WebhookEvent {
  object: "event";
  id: string;
  type: string;
  created_at: number;
  data: Record<string, unknown>;
}

/** The headers of one delivery attempt; the timestamp (and so the signature) is fresh per attempt. */
export function webhookHeaders(
  secret: string,
  webhookId: string,
  body: string,
  timestamp = nowSeconds(),
): Record<string, string> {
  return {
    "content-type": "application/json",
    "user-agent": WEBHOOK_USER_AGENT,
    "webhook-id": webhookId,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": signWebhook(secret, webhookId, timestamp, body),
  };
}

async function attempt(
  store: SimStore,
  url: string,
  secret: string,
  webhookId: string,
  body: string,
): Promise<boolean> {
  const controller = new AbortController();
  store.aborts.add(controller);
  const timer = setTimeout(() => controller.abort(), ATTEMPT_TIMEOUT_MS);
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: webhookHeaders(secret, webhookId, body),
      body,
      redirect: "manual",
      signal: controller.signal,
    });
    await response.arrayBuffer().catch(() => undefined);
    return response.status >= 200 && response.status < 300;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
    store.aborts.delete(controller);
  }
}

/**
 * Sends `{object:"event", id, type, created_at, data}` if a webhook URL is configured; retries
 * non-2xx answers (3xx included) and network errors after each of `WEBHOOK_RETRY_DELAYS_MS`.
 */
export function sendWebhook(
  state: SimState,
  store: SimStore,
  type: string,
  data: Record<string, unknown>,
): WebhookEvent | undefined {
  const url = state.config.webhookUrl;
  if (!url) return undefined;
  const event: WebhookEvent = {
    object: "event",
    id: randomHexId("evt_", 32),
    type,
    created_at: nowSeconds(),
    data,
  };
  const body = JSON.stringify(event);
  const webhookId = randomHexId("wh_", 32);
  const secret = state.config.webhookSecret;
  const run = (index: number): void => {
    void attempt(store, url, secret, webhookId, body).then((ok) => {
      const delay = WEBHOOK_RETRY_DELAYS_MS[index];
      if (!ok && delay !== undefined && !store.closed) schedule(store, delay, () => run(index + 1));
    });
  };
  run(0);
  return event;
}

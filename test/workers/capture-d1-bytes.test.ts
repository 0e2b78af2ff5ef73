/**
 * What one captured completion costs in D1 now that its body is in R2: 10,000 captures of ~10 KB
 * bodies with realistic ids, models, metadata and end users, written through the queue consumer's
 * code in batches of 100, measured as the growth of the database file (pages of the table and its
 * indexes, as D1 bills them). docs/storage.md quotes the figure.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { storeCaptures } from "../../src/datasets/capture-consumer";
import { captureFixture } from "./helpers/captures";
import { createTenant } from "./helpers/gateway";

const CAPTURES = 10_000;
const BATCH = 100;
/** The budget docs/storage.md promises per capture. */
const MAX_D1_BYTES_PER_CAPTURE = 512;

/** The database's size in bytes, as D1 reports it after a statement. */
async function databaseBytes(): Promise<number> {
  const res = await env.DB.prepare("SELECT 1").run();
  return res.meta.size_after;
}

/** An OpenAI-like completion id: `chatcmpl-` and 29 random characters. */
function completionId(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = crypto.getRandomValues(new Uint8Array(29));
  return `chatcmpl-${Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("")}`;
}

describe("D1 bytes per captured completion", () => {
  it(`stays within ${MAX_D1_BYTES_PER_CAPTURE} bytes with ~10 KB bodies`, { timeout: 120_000 }, async () => {
    const { id: tenantId } = await createTenant();
    const prompt = "Summarise this support ticket for the on-call engineer. ".repeat(90);
    const reply = "The customer cannot reset their password after the migration. ".repeat(70);
    const before = await databaseBytes();
    const started = Date.now();
    for (let b = 0; b < CAPTURES / BATCH; b++) {
      const batch = Array.from({ length: BATCH }, (_, i) => {
        const id = completionId();
        const n = b * BATCH + i;
        return captureFixture(tenantId, {
          id,
          model: "gpt-4o-mini-2024-07-18",
          request: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: prompt }] }),
          answer: JSON.stringify({
            id,
            object: "chat.completion",
            model: "gpt-4o-mini-2024-07-18",
            choices: [{ index: 0, message: { role: "assistant", content: reply }, finish_reason: "stop" }],
            usage: { prompt_tokens: 1_150, completion_tokens: 880, total_tokens: 2_030 },
          }),
          metadata: { app: "support-bot", env: "production", ticket: `T-${100_000 + n}` },
          userId: `user_${(n % 500).toString(36).padStart(6, "0")}`,
          cacheStatus: n % 7 === 0 ? "HIT" : "MISS",
          latencyMs: 400 + (n % 900) + 0.25,
          inputTokens: 1_150,
          outputTokens: 880,
          createdMs: started + n,
        });
      });
      expect(await storeCaptures(env, tenantId, batch)).toBe(BATCH);
    }
    const perCapture = ((await databaseBytes()) - before) / CAPTURES;
    console.log(`D1 bytes per capture: ${perCapture.toFixed(0)} (${CAPTURES} captures of ~10 KB bodies)`);
    expect(perCapture).toBeLessThanOrEqual(MAX_D1_BYTES_PER_CAPTURE);
  });
});

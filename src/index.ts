import { app } from "./app";
import { pruneTraffic } from "./cache/traffic";
import {
  CAPTURE_DEAD_LETTER_QUEUE_NAME,
  type CaptureMessage,
  consumeCaptures,
  consumeDeadCaptures,
} from "./datasets/capture-consumer";
import { pollUnfinishedJobs } from "./finetune";

export { Coalescer } from "../durable-objects/coalescer";
export { EvalRunner } from "../durable-objects/eval-runner";
export { RateLimiter } from "../durable-objects/rate-limiter";
export { RealtimeSession } from "../durable-objects/realtime-session";
export { SemanticIndex } from "../durable-objects/semantic-index";
export { TenantBudget } from "../durable-objects/tenant-budget";
export { VisionValidatorObject } from "../durable-objects/vision-validator";

export default {
  fetch: app.fetch,
  /** Cron (wrangler.toml `[triggers]`): keeps unfinished fine-tuning jobs current, prunes old traffic. */
  scheduled(controller, env, ctx) {
    ctx.waitUntil(pollUnfinishedJobs(env));
    ctx.waitUntil(pruneTraffic(env.DB, controller.scheduledTime));
  },
  /** Queues (wrangler.toml `[[queues.consumers]]`): the capture queue and its dead-letter queue. */
  async queue(batch, env) {
    const captures = batch as MessageBatch<CaptureMessage>;
    if (batch.queue === CAPTURE_DEAD_LETTER_QUEUE_NAME) await consumeDeadCaptures(captures, env);
    else await consumeCaptures(captures, env);
  },
} satisfies ExportedHandler<import("./platform/env").Bindings>;

import { app } from "./app";
import { pruneTraffic } from "./cache/traffic";
import {
  CAPTURE_DEAD_LETTER_QUEUE_NAME,
  type CaptureMessage,
  consumeCaptures,
  consumeDeadCaptures,
} from "./datasets/capture-consumer";
import { pruneCapturesLogged } from "./datasets/retention";
import { pollUnfinishedJobs } from "./finetune";
import type { Bindings } from "./platform/env";
import { faultsOf, withFaults, withLostAcks } from "./platform/faults";
import { log } from "./platform/log";
import { countingOn, withCounting } from "./platform/operation-counts";
import { archiveEndedSessions } from "./realtime/records/transcript-archive";

export { CaptureBuffer } from "../durable-objects/capture-buffer";
export { Coalescer } from "../durable-objects/coalescer";
export { EvalRunner } from "../durable-objects/eval-runner";
export { RateLimiter } from "../durable-objects/rate-limiter";
export { RealtimeSession } from "../durable-objects/realtime-session";
export { SemanticIndex } from "../durable-objects/semantic-index";
export { TenantBudget } from "../durable-objects/tenant-budget";
export { VisionValidatorObject } from "../durable-objects/vision-validator";

export default {
  fetch(request: Request, env: Bindings, ctx: ExecutionContext) {
    if (!countingOn(env)) return app.fetch(request, env, ctx);
    return withCounting(env, "request", (counted) => app.fetch(request, counted, ctx));
  },
  /**
   * Cron (wrangler.toml `[triggers]`): keeps unfinished fine-tuning jobs current, prunes old traffic
   * and captures past their retention, archives ended Realtime transcripts the sessions' objects did not.
   */
  scheduled(controller, env, ctx) {
    ctx.waitUntil(pollUnfinishedJobs(env));
    ctx.waitUntil(pruneTraffic(env.DB, controller.scheduledTime));
    ctx.waitUntil(pruneCapturesLogged(env, controller.scheduledTime));
    ctx.waitUntil(
      archiveEndedSessions(env).catch((err: unknown) =>
        log(env, "error", "realtime transcript sweep failed", { error: String(err) }),
      ),
    );
  },
  /** Queues (wrangler.toml `[[queues.consumers]]`): the capture queue and its dead-letter queue. */
  async queue(batch: MessageBatch, env: Bindings) {
    let captures = batch as MessageBatch<CaptureMessage>;
    const consume = batch.queue === CAPTURE_DEAD_LETTER_QUEUE_NAME ? consumeDeadCaptures : consumeCaptures;
    // The capture benchmark's injected faults (src/platform/faults.ts); never set deployed.
    const faults = faultsOf(env);
    if (faults) captures = withLostAcks(captures, faults);
    const run = (e: Bindings) => consume(captures, faults ? withFaults(e, faults) : e);
    return countingOn(env) ? withCounting(env, "queue", run) : run(env);
  },
} satisfies ExportedHandler<Bindings>;

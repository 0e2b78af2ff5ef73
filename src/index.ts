import { app } from "./app";
import { pruneTraffic } from "./cache/traffic";
import { pollUnfinishedJobs } from "./finetune";
import type { Bindings } from "./platform/env";
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
   * Cron (wrangler.toml `[triggers]`): keeps unfinished fine-tuning jobs current, prunes old traffic,
   * archives ended Realtime transcripts the sessions' objects did not.
   */
  scheduled(controller, env, ctx) {
    ctx.waitUntil(pollUnfinishedJobs(env));
    ctx.waitUntil(pruneTraffic(env.DB, controller.scheduledTime));
    ctx.waitUntil(
      archiveEndedSessions(env).catch((err: unknown) =>
        log(env, "error", "realtime transcript sweep failed", { error: String(err) }),
      ),
    );
  },
} satisfies ExportedHandler<Bindings>;

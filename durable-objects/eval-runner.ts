import { DurableObject } from "cloudflare:workers";
import { failEval, runStep } from "../src/evals/run";
import type { Bindings } from "../src/platform/env";
import { log } from "../src/platform/log";

/** Examples graded per alarm: small steps keep each alarm well inside its limits. */
const ITEMS_PER_STEP = 4;
/** A step that fails is retried this many times (with backoff) before the evaluation fails. */
const MAX_FAILURES = 5;
const RETRY_BASE_MS = 500;

/**
 * Runs one evaluation (one object per eval id) as a chain of alarms, each grading a few items, so
 * the run survives any single request's limits and restarts of the object.
 */
export class EvalRunner extends DurableObject<Bindings> {
  /** Starts (or resumes) the evaluation; its model calls carry the id of the request that started it. */
  async start(evalId: string, requestId: string): Promise<void> {
    await this.ctx.storage.put({ evalId, requestId });
    await this.ctx.storage.setAlarm(Date.now());
  }

  override async alarm(): Promise<void> {
    const evalId = await this.ctx.storage.get<string>("evalId");
    if (!evalId) return;
    const requestId = (await this.ctx.storage.get<string>("requestId")) ?? evalId;
    try {
      const finished = await runStep(this.env, evalId, ITEMS_PER_STEP, requestId);
      await this.ctx.storage.put("failures", 0);
      if (finished) await this.ctx.storage.deleteAll();
      else await this.ctx.storage.setAlarm(Date.now());
    } catch (err) {
      const failures = ((await this.ctx.storage.get<number>("failures")) ?? 0) + 1;
      log(this.env, "warn", "eval step failed", { eval_id: evalId, failures, error: String(err) });
      if (failures >= MAX_FAILURES) {
        await failEval(this.env, evalId, String(err));
        await this.ctx.storage.deleteAll();
        return;
      }
      await this.ctx.storage.put("failures", failures);
      await this.ctx.storage.setAlarm(Date.now() + RETRY_BASE_MS * 2 ** failures);
    }
  }
}

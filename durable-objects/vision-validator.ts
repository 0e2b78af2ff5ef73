import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../src/platform/env";
import { log } from "../src/platform/log";
import { validationStep } from "../src/vision/background";
import { type RunMeta, RunStore } from "../src/vision/run-store";

/** A step that fails is retried this many times (with backoff) before the validation fails. */
const MAX_FAILURES = 5;
const RETRY_BASE_MS = 500;
/** How long a finished validation (its report) can still be read. */
const KEEP_FINISHED_MS = 7 * 24 * 3600 * 1000;

/**
 * One background validation of vision examples (one object per validation id): a chain of alarms,
 * each a fresh invocation with its own subrequest and KV allowances, each spending at most the
 * request budget on images. Holds the state between steps, and the finished report for 7 days.
 */
export class VisionValidatorObject extends DurableObject<Bindings> {
  private readonly store: RunStore;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    // Tables are made by `start`, so looking up an unknown id stores nothing.
    this.store = new RunStore(ctx.storage.sql);
  }

  /** Starts the validation; `body` is the JSON array of examples when they came with the request. */
  async start(meta: RunMeta, body: string | null): Promise<void> {
    if (await this.ctx.storage.get<RunMeta>("meta")) return;
    this.store.init();
    if (body !== null) this.store.putBody(body);
    await this.ctx.storage.put("meta", meta);
    await this.ctx.storage.setAlarm(Date.now());
  }

  /** The meta and, once completed, the report JSON. */
  async describe(): Promise<{ meta: RunMeta; report: string | null } | null> {
    const meta = await this.ctx.storage.get<RunMeta>("meta");
    return meta ? { meta, report: meta.status === "completed" ? this.store.report() : null } : null;
  }

  override async alarm(): Promise<void> {
    const meta = await this.ctx.storage.get<RunMeta>("meta");
    if (meta?.status !== "in_progress") {
      // The finished run has been kept long enough.
      await this.ctx.storage.deleteAll();
      return;
    }
    try {
      const over = await validationStep(this.env, this.store, meta);
      meta.failures = 0;
      await this.ctx.storage.put("meta", meta);
      await this.ctx.storage.setAlarm(Date.now() + (over ? KEEP_FINISHED_MS : 0));
    } catch (err) {
      meta.failures++;
      log(this.env, "warn", "vision validation step failed", { id: meta.id, error: String(err) });
      if (meta.failures >= MAX_FAILURES) {
        meta.status = "failed";
        meta.completedAt = Math.floor(Date.now() / 1000);
        meta.error = {
          code: "validation_failed",
          message: "The validation failed repeatedly; start it again.",
        };
        this.store.finish();
        await this.ctx.storage.setAlarm(Date.now() + KEEP_FINISHED_MS);
      } else await this.ctx.storage.setAlarm(Date.now() + RETRY_BASE_MS * 2 ** meta.failures);
      await this.ctx.storage.put("meta", meta);
    }
  }
}

/**
 * "Now" for model-lifecycle decisions (shutdown dates, the fine-tuning cutoff). It is the real clock,
 * unless the Worker variable `EDGEGATE_NOW` (an ISO date) is set: tests set it to decide a date
 * without waiting for it. A deployment never sets it (docs/providers.md).
 */
import type { Bindings } from "../platform/env";

export function lifecycleNow(env: Pick<Bindings, "EDGEGATE_NOW">): number {
  const fixed = env.EDGEGATE_NOW ? Date.parse(env.EDGEGATE_NOW) : Number.NaN;
  return Number.isFinite(fixed) ? fixed : Date.now();
}

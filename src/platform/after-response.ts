/**
 * Work a request owes after its answer: accounting, capture, the access log. It waits for a timer,
 * not a microtask: the runtime sends a response only once the microtask queue is empty, so work
 * chained on promises alone (or done before returning) would still delay the answer. One request at
 * a time, that difference is the gateway's latency over a bare Worker (docs/benchmarks.md). A handler
 * that still awaits I/O after queuing work (a non-streamed `/v1/responses` records its ownership in D1
 * after the answer is read) lets the timer fire first: that work then runs before the answer is sent.
 */
import type { Context } from "hono";
import type { AppEnv } from "./env";
import { log } from "./log";

/** Resolves on the runtime's next turn, after the response in hand has been handed to it. */
const nextTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

interface Owed {
  what: string;
  work: () => unknown;
}

/** Each request's owed work not yet started, by its execution context: one timer per request. */
const pending = new WeakMap<ExecutionContext, Owed[]>();

/**
 * Runs `work` after the response is on its way, inside the request's `waitUntil`. A failure is
 * logged (`what` names the work) instead of failing a request that was already answered. The work
 * a request owes shares one timer; each piece runs on its own (one that waits on storage does not
 * hold up the others).
 */
export function afterResponse(c: Context<AppEnv>, what: string, work: () => unknown): void {
  const ctx = c.executionCtx;
  const owed = pending.get(ctx);
  if (owed) {
    owed.push({ what, work });
    return;
  }
  const queue: Owed[] = [{ what, work }];
  pending.set(ctx, queue);
  const env = c.env;
  const run = async ({ what, work }: Owed) => {
    try {
      await work();
    } catch (err) {
      log(env, "error", `${what} failed after the response`, { error: String(err) });
    }
  };
  ctx.waitUntil(
    nextTurn().then(() => {
      pending.delete(ctx);
      return Promise.all(queue.map(run));
    }),
  );
}

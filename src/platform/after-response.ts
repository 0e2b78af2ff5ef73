/**
 * Work a request owes after its answer: accounting, capture, the access log. It waits for a timer,
 * not a microtask: the runtime sends a response only once the microtask queue is empty, so work
 * chained on promises alone (or done before returning) would still delay the answer. One request at
 * a time, that difference is the gateway's latency over a bare Worker (docs/benchmarks.md).
 */
import type { Context } from "hono";
import type { AppEnv } from "./env";
import { log } from "./log";

/** Resolves on the runtime's next turn, after the response in hand has been handed to it. */
const nextTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * Runs `work` after the response is on its way, inside the request's `waitUntil`. A failure is
 * logged (`what` names the work) instead of failing a request that was already answered.
 */
export function afterResponse(c: Context<AppEnv>, what: string, work: () => unknown): void {
  const env = c.env;
  c.executionCtx.waitUntil(
    nextTurn()
      .then(work)
      .catch((err: unknown) =>
        log(env, "error", `${what} failed after the response`, { error: String(err) }),
      ),
  );
}

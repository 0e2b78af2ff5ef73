/**
 * Injected faults for the capture benchmark (`npm run bench -- capture`): D1 or R2 failing for a time
 * window, and queue messages redelivered after they were processed (as when an acknowledgement is
 * lost). Off unless `EDGEGATE_FAULTS` is set, which a deployment never does; then the queue consumer
 * runs against bindings that throw inside the windows, and retries a share of the messages it has
 * already written, so the benchmark can check that nothing is lost and nothing is stored twice.
 *
 * `EDGEGATE_FAULTS` is JSON: `{"d1": [fromMs, untilMs], "r2": [fromMs, untilMs], "redeliver": 0.1}`,
 * windows in unix milliseconds, `redeliver` the share of messages delivered again.
 */

export interface Faults {
  d1?: [number, number];
  r2?: [number, number];
  redeliver?: number;
}

/** The faults the operator set, or null (the normal case). A malformed value is refused loudly. */
export function faultsOf(env: { EDGEGATE_FAULTS?: string }): Faults | null {
  const raw = env.EDGEGATE_FAULTS;
  if (!raw) return null;
  const parsed = JSON.parse(raw) as Faults;
  const window = (w: unknown) =>
    w === undefined || (Array.isArray(w) && w.length === 2 && w.every((n) => Number.isFinite(n)));
  const share = parsed.redeliver;
  if (!window(parsed.d1) || !window(parsed.r2) || (share !== undefined && !(share >= 0 && share <= 1))) {
    throw new Error(
      `EDGEGATE_FAULTS is not {"d1"?: [from, until], "r2"?: [from, until], "redeliver"?: 0..1}: ${raw}`,
    );
  }
  return parsed;
}

const inWindow = (w: [number, number] | undefined, now: number) =>
  w !== undefined && now >= w[0] && now < w[1];

/** `target` whose methods throw `what` while `now()` is inside `window`. */
function failing<T extends object>(target: T, window: [number, number] | undefined, what: string): T {
  if (!window) return target;
  return new Proxy(target, {
    get(obj, prop) {
      const value = Reflect.get(obj, prop, obj) as unknown;
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (inWindow(window, Date.now())) throw new Error(`injected fault: ${what} unavailable`);
        return Reflect.apply(value as (...a: unknown[]) => unknown, obj, args);
      };
    },
  });
}

/** `env` with D1 and R2 failing inside their windows. */
export function withFaults<E extends { DB: D1Database; BLOBS: R2Bucket }>(env: E, faults: Faults): E {
  return { ...env, DB: failing(env.DB, faults.d1, "D1"), BLOBS: failing(env.BLOBS, faults.r2, "R2") };
}

/**
 * `batch` whose messages lose a share (`redeliver`) of their acknowledgements: `ack()` of such a
 * message asks for it again instead, so the consumer meets a capture it has already written.
 */
export function withLostAcks<T>(batch: MessageBatch<T>, faults: Faults): MessageBatch<T> {
  const share = faults.redeliver ?? 0;
  if (share === 0) return batch;
  const messages = batch.messages.map((m) => {
    if (Math.random() >= share) return m;
    return new Proxy(m, {
      get(obj, prop) {
        if (prop === "ack") return () => obj.retry({ delaySeconds: 1 });
        const value = Reflect.get(obj, prop, obj) as unknown;
        return typeof value === "function" ? (...args: unknown[]) => Reflect.apply(value, obj, args) : value;
      },
    });
  });
  return new Proxy(batch, {
    get: (obj, prop) => (prop === "messages" ? messages : Reflect.get(obj, prop, obj)),
  });
}

/**
 * Counts of the billable operations the Worker makes, by binding: D1 queries with the rows they read
 * and wrote, KV reads and writes, R2 class A and B operations, Durable Object calls, queue messages.
 * For the capacity benchmark (`npm run bench -- capture`, docs/capacity.md): operations per request
 * kind are counted, not estimated. Off unless `EDGEGATE_COUNT_OPERATIONS` is `1`; then the bindings the
 * Worker sees are wrapped, and `GET /admin/operations` answers the counts of this isolate.
 *
 * Each operation is counted under the phase it ran in: `request` until the response was handed back
 * (what a client waits on), `background` after (`waitUntil` work, and streaming bodies), `queue` in the
 * queue consumer, `scheduled` in the cron. The phase travels with the wrapped env each invocation
 * gets. Work inside Durable Objects (their own storage and any binding they call) is not counted: a
 * Durable Object call is counted once, where it is made.
 * @see https://developers.cloudflare.com/d1/platform/pricing/
 * @see https://developers.cloudflare.com/r2/pricing/
 */
export type Phase = "request" | "background" | "queue" | "scheduled";

/** `phase → "BINDING.operation" → count`. */
export type OperationCounts = Record<string, Record<string, number>>;

/** The phase of one invocation, shared by every binding wrapped for it. */
interface Invocation {
  phase: Phase;
}

let counts: OperationCounts = {};
let since = Date.now();
/** The latest size of each D1 database, as D1 reported it after a query (`meta.size_after`). */
const sizes: Record<string, number> = {};

function record(at: Invocation, key: string, n: number): void {
  if (n === 0) return;
  const byOp = counts[at.phase] ?? {};
  byOp[key] = (byOp[key] ?? 0) + n;
  counts[at.phase] = byOp;
}

/** Counts `n` of `operation` on `binding` in this invocation's phase. */
type Add = (binding: string, operation: string, n?: number) => void;

const adder =
  (at: Invocation): Add =>
  (binding, operation, n = 1) =>
    record(at, `${binding}.${operation}`, n);

export function operationCounts(): { since: number; counts: OperationCounts; sizes: Record<string, number> } {
  return { since, counts, sizes };
}

export function resetOperationCounts(): void {
  counts = {};
  since = Date.now();
}

type Fn = (...args: unknown[]) => unknown;

/**
 * `target` with its methods counted by `count(method, args, result)`; every other property as is.
 * Methods are called on the real object (native bindings refuse a proxy as `this`).
 */
function counted<T extends object>(
  target: T,
  count: (method: string, args: unknown[], result: unknown) => unknown,
): T {
  return new Proxy(target, {
    get(obj, prop) {
      const value = Reflect.get(obj, prop, obj) as unknown;
      if (typeof value !== "function" || typeof prop !== "string") return value;
      return (...args: unknown[]) => count(prop, args, Reflect.apply(value as Fn, obj, args));
    },
  });
}

interface D1Meta {
  rows_read?: number;
  rows_written?: number;
  size_after?: number;
}

function addRows(add: Add, binding: string, meta: D1Meta | undefined): void {
  add(binding, "rows_read", meta?.rows_read ?? 0);
  add(binding, "rows_written", meta?.rows_written ?? 0);
  if (typeof meta?.size_after === "number") sizes[binding] = meta.size_after;
}

/** Counted statements, mapped back to the real ones for `batch`. */
const realStatements = new WeakMap<object, D1PreparedStatement>();

function countedStatement(add: Add, binding: string, statement: D1PreparedStatement): D1PreparedStatement {
  const proxy = counted(statement, (method, _args, result) => {
    if (method === "bind") return countedStatement(add, binding, result as D1PreparedStatement);
    if (method === "first" || method === "all" || method === "run" || method === "raw") {
      add(binding, "queries");
      return (result as Promise<{ meta?: D1Meta }>).then((r) => {
        if (method === "all" || method === "run") addRows(add, binding, r?.meta);
        return r;
      });
    }
    return result;
  });
  realStatements.set(proxy, statement);
  return proxy;
}

function countedD1(add: Add, binding: string, db: D1Database): D1Database {
  const real = (s: D1PreparedStatement) => realStatements.get(s) ?? s;
  return new Proxy(db, {
    get(obj, prop) {
      if (prop === "prepare") return (sql: string) => countedStatement(add, binding, obj.prepare(sql));
      if (prop === "batch") {
        return async (statements: D1PreparedStatement[]) => {
          add(binding, "queries", statements.length);
          const results = await obj.batch(statements.map(real));
          for (const r of results) addRows(add, binding, r.meta);
          return results;
        };
      }
      const value = Reflect.get(obj, prop, obj) as unknown;
      return typeof value === "function"
        ? (...args: unknown[]) => Reflect.apply(value as Fn, obj, args)
        : value;
    },
  });
}

const KV_READS = new Set(["get", "getWithMetadata", "list"]);
const R2_CLASS_A = new Set(["put", "list", "createMultipartUpload", "resumeMultipartUpload", "delete"]);

function countedNamespace(add: Add, binding: string, ns: DurableObjectNamespace): DurableObjectNamespace {
  return counted(ns, (method, _args, result) => {
    if (method !== "get" && method !== "getByName") return result;
    return counted(result as object, (_call, _args, value) => {
      add(binding, "calls");
      return value;
    });
  });
}

/** What kind of binding `value` is, by the methods it has. */
function wrapBinding(add: Add, name: string, value: unknown): unknown {
  if (!value || typeof value !== "object") return value;
  const has = (m: string) => typeof (value as Record<string, unknown>)[m] === "function";
  if (has("prepare") && has("batch")) return countedD1(add, name, value as D1Database);
  if (has("idFromName") && has("get")) return countedNamespace(add, name, value as DurableObjectNamespace);
  if (has("createMultipartUpload")) {
    return counted(value, (method, _args, result) => {
      add(name, R2_CLASS_A.has(method) ? "class_a" : "class_b");
      return result;
    });
  }
  if (has("getWithMetadata")) {
    return counted(value, (method, _args, result) => {
      add(name, KV_READS.has(method) ? "reads" : "writes");
      return result;
    });
  }
  if (has("sendBatch")) {
    return counted(value, (method, args, result) => {
      add(name, "messages", method === "sendBatch" ? ((args[0] as unknown[] | undefined)?.length ?? 0) : 1);
      return result;
    });
  }
  return value;
}

/** `env` with every binding counted under `at`'s phase. */
function countingEnv<E extends object>(env: E, at: Invocation): E {
  const add = adder(at);
  const out = { ...env } as Record<string, unknown>;
  for (const [name, value] of Object.entries(env)) out[name] = wrapBinding(add, name, value);
  return out as E;
}

/** Whether the operator turned counting on. */
export function countingOn(env: { EDGEGATE_COUNT_OPERATIONS?: string }): boolean {
  return env.EDGEGATE_COUNT_OPERATIONS === "1";
}

/**
 * Runs `work` with `env` counted, in `phase`; for a request, what runs after its response was handed
 * back counts as `background`.
 */
export async function withCounting<E extends object, R>(
  env: E,
  phase: Phase,
  work: (env: E) => Promise<R> | R,
): Promise<R> {
  const at: Invocation = { phase };
  try {
    return await work(countingEnv(env, at));
  } finally {
    if (phase === "request") at.phase = "background";
  }
}

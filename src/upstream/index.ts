import type { Bindings } from "../platform/env";
import { GatewayError } from "../platform/errors";
import { log } from "../platform/log";
import { scrubErrorResponse } from "./scrub";

/** Statuses worth another attempt: OpenAI's SDK retries the same set. @see docs/openai-reference.md C.3 */
const RETRYABLE = new Set([408, 409, 429, 500, 502, 503, 504]);
/**
 * Tells the official SDKs not to retry an answer the gateway already retried (or decided not to,
 * because the wait would pass the request's retry budget): their own retries would multiply the
 * provider calls. The SDKs obey it before any status rule. @see docs/openai-reference.md C.3
 */
const NO_MORE_RETRIES: Readonly<Record<string, string>> = { "x-should-retry": "false" };

export interface UpstreamRequest {
  method: "GET" | "POST" | "DELETE";
  /** Path below the upstream base URL, starting with `/`, e.g. `/chat/completions`. */
  path: string;
  body?: string | ArrayBuffer | null;
  contentType?: string;
  requestId: string;
  /** Extra headers, e.g. `Accept`. The provider key is always added here and nowhere else. */
  headers?: Record<string, string>;
}

interface UpstreamSettings {
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
  maxRetries: number;
  retryBaseMs: number;
  /** One deadline for all retries of a request, counted from its first attempt. */
  retryBudgetMs: number;
}

function settingsOf(env: Bindings): UpstreamSettings {
  const num = (v: string | undefined, fallback: number) => {
    const n = Number(v);
    return v !== undefined && v !== "" && Number.isFinite(n) && n >= 0 ? n : fallback;
  };
  return {
    baseUrl: env.OPENAI_BASE_URL.replace(/\/+$/, ""),
    apiKey: env.OPENAI_API_KEY ?? "",
    timeoutMs: num(env.UPSTREAM_TIMEOUT_MS, 60_000),
    maxRetries: num(env.UPSTREAM_MAX_RETRIES, 2),
    retryBaseMs: num(env.UPSTREAM_RETRY_BASE_MS, 250),
    retryBudgetMs: num(env.UPSTREAM_RETRY_BUDGET_MS, 10_000),
  };
}

/** Waiting time before the next attempt: the server's `retry-after-ms`/`retry-after`, else backoff with jitter. */
function retryDelayMs(res: Response | null, attempt: number, baseMs: number): number {
  const ms = Number(res?.headers.get("retry-after-ms"));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const seconds = Number(res?.headers.get("retry-after"));
  if (Number.isFinite(seconds) && seconds > 0) return seconds * 1000;
  const backoff = baseMs * 2 ** attempt;
  return backoff / 2 + Math.random() * (backoff / 2);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The one place that talks to `OPENAI_BASE_URL` with the provider key. Retries 408/409/429/5xx and
 * network errors with backoff before any byte has reached the client, honours `retry-after` and
 * `x-should-retry`, and times out waiting for response headers (504). All retries of one request
 * share one deadline (`UPSTREAM_RETRY_BUDGET_MS` after the first attempt): a wait that would end
 * past it is not waited out, the provider's answer (with its `retry-after`) is returned at once.
 * An answer the gateway retried, or chose not to retry for the budget, carries
 * `x-should-retry: false` so SDK retries do not multiply the provider calls. Successful bodies are
 * never buffered: the returned response streams straight from the upstream. Error bodies are read
 * and returned without the operator's organization and project ids (`scrub.ts`).
 */
export async function callUpstream(env: Bindings, req: UpstreamRequest): Promise<Response> {
  const s = settingsOf(env);
  const deadline = Date.now() + s.retryBudgetMs;
  const url = `${s.baseUrl}${req.path}`;
  const headers: Record<string, string> = { "x-request-id": req.requestId, ...req.headers };
  // No key configured for this provider: send none rather than an empty bearer.
  if (s.apiKey) headers.authorization = `Bearer ${s.apiKey}`;
  if (req.contentType) headers["content-type"] = req.contentType;
  for (let attempt = 0; ; attempt++) {
    const mayRetry = attempt < s.maxRetries;
    let res: Response;
    try {
      // Never follow a redirect: a tenant's fine-tuning base URL could send the key and body inside.
      const init: RequestInit = { method: req.method, headers, body: req.body ?? null, redirect: "manual" };
      res = await fetchWithTimeout(url, init, s.timeoutMs);
    } catch (err) {
      if (err instanceof GatewayError && err.status === 504) throw err;
      const wait = retryDelayMs(null, attempt, s.retryBaseMs);
      if (!mayRetry || Date.now() + wait > deadline) throw unreachable(err, attempt > 0 || mayRetry);
      log(env, "warn", "upstream network error, retrying", { request_id: req.requestId, attempt, url });
      await sleep(wait);
      continue;
    }
    if (res.status === 401) throw await credentialsRefused(env, req, res);
    if (res.ok) return res;
    if (!mayRetry || !shouldRetry(res)) return finalError(res, attempt > 0);
    const wait = retryDelayMs(res, attempt, s.retryBaseMs);
    if (Date.now() + wait > deadline) {
      log(env, "warn", "upstream error, retry wait past the budget", {
        request_id: req.requestId,
        attempt,
        status: res.status,
        wait_ms: wait,
      });
      return finalError(res, true);
    }
    log(env, "warn", "upstream error, retrying", { request_id: req.requestId, attempt, status: res.status });
    await res.body?.cancel();
    await sleep(wait);
  }
}

/** The provider's error, scrubbed; marked `x-should-retry: false` when the gateway spent its retries on it. */
async function finalError(res: Response, retriesSpent: boolean): Promise<Response> {
  const scrubbed = await scrubErrorResponse(res);
  if (retriesSpent)
    for (const [name, value] of Object.entries(NO_MORE_RETRIES)) scrubbed.headers.set(name, value);
  return scrubbed;
}

/**
 * The provider refused the gateway's own key: the caller's request is not at fault, and the
 * provider's message (which names part of the key) stays in the gateway's log.
 */
async function credentialsRefused(env: Bindings, req: UpstreamRequest, res: Response): Promise<GatewayError> {
  const detail = (await res.text().catch(() => "")).slice(0, 500);
  log(env, "error", "upstream refused the gateway's credentials", {
    request_id: req.requestId,
    path: req.path,
    detail,
  });
  return new GatewayError(
    502,
    "The provider refused the gateway's own credentials (HTTP 401). Nothing is wrong with your request: the gateway's operator must check its provider key.",
    { type: "server_error", code: "upstream_auth_failed" },
  );
}

/** POSTs `body` as JSON to the provider: `callUpstream` with the JSON framing every model call needs. */
export function postJson(
  env: Bindings,
  path: string,
  body: unknown,
  requestId: string,
  headers?: Record<string, string>,
): Promise<Response> {
  return callUpstream(env, {
    method: "POST",
    path,
    body: JSON.stringify(body),
    contentType: "application/json",
    requestId,
    ...(headers ? { headers } : {}),
  });
}

function shouldRetry(res: Response): boolean {
  const hint = res.headers.get("x-should-retry");
  if (hint === "false") return false;
  if (hint === "true") return true;
  return RETRYABLE.has(res.status);
}

async function fetchWithTimeout(url: string, init: RequestInit, timeoutMs: number): Promise<Response> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    return await fetch(url, { ...init, signal: controller.signal });
  } catch (err) {
    if (controller.signal.aborted) {
      throw new GatewayError(504, `The upstream API did not answer within ${timeoutMs} ms.`, {
        type: "server_error",
        code: "upstream_timeout",
      });
    }
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

function unreachable(err: unknown, retriesSpent: boolean): GatewayError {
  const reason = err instanceof Error ? err.message : String(err);
  return new GatewayError(502, `The upstream API could not be reached (${reason}). Retry later.`, {
    type: "server_error",
    code: "upstream_unreachable",
    ...(retriesSpent ? { headers: { ...NO_MORE_RETRIES } } : {}),
  });
}

/** Response headers worth passing from the upstream to the client. */
const FORWARDED_HEADERS = [
  "content-type",
  "openai-processing-ms",
  "openai-version",
  "retry-after",
  "retry-after-ms",
  "x-should-retry",
];

/**
 * Relays an upstream response to the client as it streams, keeping its status and body faithfully;
 * `body` when the upstream's was already read (a JSON answer read whole is sent as it is) or is
 * relayed through a transform (a stream the gateway observes). `extraHeaders` names are lowercase;
 * the upstream's value of a forwarded header wins over an extra one of the same name. The headers
 * are handed to the `Response` as one plain object (no `Headers` built and set one by one: each
 * call crosses into the runtime, on every model call).
 */
export function relayResponse(
  upstream: Response,
  extraHeaders: Record<string, string> = {},
  body: BodyInit | null = upstream.body,
): Response {
  const headers: Record<string, string> = { ...extraHeaders };
  const from = upstream.headers;
  for (const name of FORWARDED_HEADERS) {
    const value = from.get(name);
    if (value !== null) headers[name] = value;
  }
  const upstreamId = from.get("x-request-id");
  if (upstreamId) headers["x-upstream-request-id"] = upstreamId;
  return new Response(body, { status: upstream.status, headers });
}

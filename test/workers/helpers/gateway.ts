import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import OpenAI from "openai";
import worker from "../../../src/index";
import { inSimScope } from "./sim";

export const GATEWAY = "https://gateway.test";
export const ADMIN_TOKEN = env.ADMIN_TOKEN ?? "";

/**
 * Hands a request to the gateway Worker under test (same isolate, real bindings) as the runtime hands
 * it an HTTP request, with a request id that keeps its upstream calls in this file's simulator scope
 * unless the request names its own:
 * - a body that is not a stream carries its `Content-Length` (the runtime writes it on the wire; a
 *   `Request` made here has none), so the 413 at once from the declared length is what is tested;
 *   a stream stays chunked;
 * - the request has its own execution context, and its `waitUntil` work (captures, cache writes) is
 *   awaited before a whole answer is returned, so what a test reads next already includes it; a
 *   streamed answer (SSE, a WebSocket) is returned at once, its work running on as the stream is read.
 *
 * The handler is called directly rather than through `exports.default.fetch`, whose loopback gets
 * slower with every request a file has sent (about 10 ms at first, over 170 ms after 200).
 */
export async function callWorker(input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
  const request = inSimScope(new Request(input, init));
  const sized =
    request.body === null || init.body instanceof ReadableStream || request.headers.has("content-length")
      ? request
      : await withContentLength(request);
  const ctx = createExecutionContext();
  const response = await worker.fetch(sized, env, ctx);
  const streamed = response.webSocket !== null || isEventStream(response);
  // A failed `waitUntil` fails no request in production either (the gateway logs what it catches).
  if (streamed) void waitOnExecutionContext(ctx).catch(() => {});
  else await waitOnExecutionContext(ctx).catch(() => {});
  return response;
}

const isEventStream = (res: Response) =>
  (res.headers.get("content-type") ?? "").startsWith("text/event-stream");

async function withContentLength(request: Request): Promise<Request> {
  const bytes = await request.arrayBuffer();
  const headers = new Headers(request.headers);
  headers.set("content-length", String(bytes.byteLength));
  return new Request(request, { body: bytes, headers });
}

/** {@link callWorker} for a path of the gateway. */
export function gw(path: string, init: RequestInit = {}): Promise<Response> {
  return callWorker(`${GATEWAY}${path}`, init);
}

export function jsonInit(method: string, body: unknown, headers: Record<string, string> = {}): RequestInit {
  return { method, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
}

export function admin(path: string, method = "GET", body?: unknown): Promise<Response> {
  const headers = { authorization: `Bearer ${ADMIN_TOKEN}` };
  return gw(`/admin${path}`, body === undefined ? { method, headers } : jsonInit(method, body, headers));
}

export interface TestTenant {
  id: string;
  key: string;
  keyId: string;
}

/** A fresh tenant with one API key, made through the admin API. */
export async function createTenant(settings: Record<string, unknown> = {}): Promise<TestTenant> {
  const tenantRes = await admin("/tenants", "POST", { name: `t-${crypto.randomUUID()}`, settings });
  if (tenantRes.status !== 201) throw new Error(`tenant: ${tenantRes.status} ${await tenantRes.text()}`);
  const tenant = (await tenantRes.json()) as { id: string };
  const keyRes = await admin(`/tenants/${tenant.id}/keys`, "POST", { name: "test" });
  if (keyRes.status !== 201) throw new Error(`key: ${keyRes.status} ${await keyRes.text()}`);
  const key = (await keyRes.json()) as { id: string; key: string };
  return { id: tenant.id, key: key.key, keyId: key.id };
}

/** The official OpenAI SDK pointed at the gateway, as an app would use it. */
export function sdk(
  apiKey: string,
  options: { maxRetries?: number; headers?: Record<string, string> } = {},
): OpenAI {
  return new OpenAI({
    apiKey,
    baseURL: `${GATEWAY}/v1`,
    maxRetries: options.maxRetries ?? 0,
    defaultHeaders: options.headers,
    fetch: (input, init) => callWorker(input, init),
  });
}

export interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** An end-user token for `user`, minted with `key` (`POST /v1/auth/user_tokens`); fails the test otherwise. */
export async function mintToken(key: string, user: string): Promise<string> {
  const res = await gw(
    "/v1/auth/user_tokens",
    jsonInit("POST", { user }, { authorization: `Bearer ${key}` }),
  );
  if (res.status !== 201) throw new Error(`Minting a token answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

export async function errorOf(res: Response): Promise<ErrorBody["error"]> {
  const body = (await res.json()) as ErrorBody;
  return body.error;
}

/** The error an SDK call rejected with (fails the test when the call succeeds or throws another error). */
export async function apiError(call: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await call;
  } catch (err) {
    if (err instanceof OpenAI.APIError) return err;
    throw err;
  }
  throw new Error("Expected the call to fail with an API error, but it succeeded.");
}

/** Every item of an SDK page iterator or stream. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

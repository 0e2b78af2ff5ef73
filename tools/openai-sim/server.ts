/**
 * The simulator's HTTP server: routing, bearer auth, fault injection, request statistics, and the
 * writing of JSON, raw and SSE replies with OpenAI's response headers. WebSocket upgrades on
 * `/v1/realtime` go to `realtime.ts`.
 * @see docs/openai-reference.md C.3
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { chatRoutes } from "./chat";
import { clientSecretRoutes } from "./client-secrets";
import { controlRoutes } from "./control";
import { embeddingRoutes } from "./embeddings";
import { SimError } from "./errors";
import { fileRoutes } from "./files";
import { fineTuningRoutes } from "./fine-tuning";
import { parseJsonObject, type Reply, type RequestContext, type Route, readBody } from "./http";
import { modelRoutes, ORGANIZATION_ID } from "./models";
import { OPEN_WEIGHT_PREFIX, openWeightRoutes } from "./open-weight";
import { handleRealtimeUpgrade } from "./realtime";
import { realtimeCallControlRoutes, realtimeCallRoutes } from "./realtime-calls";
import { responseRoutes } from "./responses";
import { countRequest, type FaultSpec, type SimState, scopedState, scopeOf, takeFault } from "./state";
import { LIMITS, type SimStore, sleep } from "./store";
import { stallStream } from "./stream-stall";
import { randomHexId } from "./text";

const API_ROUTES: readonly Route[] = [
  ...chatRoutes,
  ...embeddingRoutes,
  ...responseRoutes,
  ...modelRoutes,
  ...fileRoutes,
  ...fineTuningRoutes,
  ...clientSecretRoutes,
  ...realtimeCallRoutes,
];
const CONTROL_ROUTES: readonly Route[] = [...controlRoutes, ...realtimeCallControlRoutes];

export function createSimServer(state: SimState, store: SimStore): Server {
  const server = createServer((req, res) => {
    handle(scopedState(state, scopeOf(state, req.headers)), store, req, res).catch((error: unknown) => {
      console.error("openai-sim: unhandled error", error);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.on("upgrade", (req, socket, head) =>
    handleRealtimeUpgrade(scopedState(state, scopeOf(state, req.headers)), req, socket, head),
  );
  return server;
}

interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  requestId: string;
  startedAt: number;
  route?: Route;
}

async function handle(
  state: SimState,
  store: SimStore,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const method = (req.method ?? "GET").toUpperCase();
  const url = new URL(req.url ?? "/", "http://sim.invalid");
  const path = url.pathname;
  const exchange: Exchange = { req, res, requestId: randomHexId("req_"), startedAt: performance.now() };
  const isApi = path === "/v1" || path.startsWith("/v1/");
  let fault: FaultSpec | undefined;
  if (isApi) {
    countRequest(state, method, path);
    fault = takeFault(state, `${method} ${path}`);
    if (fault?.refuseConnection) {
      req.socket.destroy();
      return;
    }
    if (fault?.latencyMs) await sleep(store, fault.latencyMs);
  }
  const routes = path.startsWith("/__sim/")
    ? CONTROL_ROUTES
    : path.startsWith(`${OPEN_WEIGHT_PREFIX}/`)
      ? openWeightRoutes
      : API_ROUTES;
  let reply: Reply;
  try {
    if (fault?.errorStatus) throw injectedError(fault);
    if (isApi) countRequest(state, method, `${path} ${authenticate(state, req)}`, state.requestsByKey);
    reply = await route(state, store, exchange, routes, method, path, url.searchParams);
  } catch (error) {
    reply = errorReply(error, exchange.requestId);
  }
  if (reply.kind === "json" && fault?.cutJsonAfterBytes !== undefined) {
    return cutJson(exchange, reply.status, JSON.stringify(reply.body), fault.cutJsonAfterBytes);
  }
  await write(state, store, exchange, reply, fault?.cutStreamAfterEvents, fault?.stallStreamAfterEvents);
}

async function route(
  state: SimState,
  store: SimStore,
  exchange: Exchange,
  routes: readonly Route[],
  method: string,
  path: string,
  query: URLSearchParams,
): Promise<Reply> {
  for (const candidate of routes) {
    const match = candidate.method === method ? candidate.pattern.exec(path) : null;
    if (!match) continue;
    exchange.route = candidate;
    return candidate.handler(context(state, store, exchange.req, method, path, query, match));
  }
  throw new SimError(404, `Invalid URL (${method} ${path})`);
}

function context(
  state: SimState,
  store: SimStore,
  req: IncomingMessage,
  method: string,
  path: string,
  query: URLSearchParams,
  match: RegExpExecArray,
): RequestContext {
  let body: Promise<Buffer> | undefined;
  const isUpload = (req.headers["content-type"] ?? "").startsWith("multipart/");
  const readOnce = (): Promise<Buffer> => {
    body ??= readBody(req, isUpload ? LIMITS.uploadBodyBytes : LIMITS.jsonBodyBytes);
    return body;
  };
  return {
    state,
    store,
    req,
    method,
    path,
    query,
    params: match.slice(1).map((p) => decodeURIComponent(p ?? "")),
    readBody: readOnce,
    readJson: async () => parseJsonObject(await readOnce()),
  };
}

function redact(key: string): string {
  if (key.length <= 8) return `${key.slice(0, 2)}***`;
  return `${key.slice(0, 3)}${"*".repeat(Math.min(key.length - 7, 20))}${key.slice(-4)}`;
}

/** Checks the bearer key against `apiKey` and `extraApiKeys`; returns the accepted key. */
function authenticate(state: SimState, req: IncomingMessage): string {
  const header = req.headers.authorization ?? "";
  const key = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim() ?? "";
  if (!key) {
    const message =
      "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer " +
      "auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're " +
      "accessing the API from your browser and are prompted for a username and password. You can obtain an API " +
      "key from https://platform.openai.com/account/api-keys.";
    throw new SimError(401, message, "invalid_request_error", null, null);
  }
  if (
    state.config.apiKey !== null &&
    key !== state.config.apiKey &&
    !state.config.extraApiKeys.includes(key)
  ) {
    const message = `Incorrect API key provided: ${redact(key)}. You can find your API key at https://platform.openai.com/account/api-keys.`;
    throw new SimError(401, message, "invalid_request_error", null, "invalid_api_key");
  }
  return key;
}

function injectedError(fault: FaultSpec): SimError {
  const status = fault.errorStatus ?? 500;
  const headers: Record<string, string> = {};
  if (fault.retryAfterSeconds !== undefined) headers["retry-after"] = String(fault.retryAfterSeconds);
  if (status === 429) {
    // The provider's real wording names the account's organization, which a gateway must not relay.
    const wait = fault.retryAfterSeconds !== undefined ? `${fault.retryAfterSeconds}s` : "120ms";
    const message = `Rate limit reached in organization ${ORGANIZATION_ID} on requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again in ${wait}. Visit https://platform.openai.com/account/rate-limits to learn more.`;
    return new SimError(429, message, "requests", null, "rate_limit_exceeded", headers);
  }
  if (status === 503) {
    return new SimError(
      503,
      "The engine is currently overloaded, please try again later.",
      "server_error",
      null,
      null,
      headers,
    );
  }
  if (status >= 500) {
    const message = "The server had an error while processing your request. Sorry about that!";
    return new SimError(status, message, "server_error", null, null, headers);
  }
  return new SimError(
    status,
    `Simulated error (status ${status}).`,
    "invalid_request_error",
    null,
    null,
    headers,
  );
}

function errorReply(error: unknown, requestId: string): Reply {
  if (error instanceof SimError)
    return { kind: "json", status: error.status, body: error.toBody(), headers: error.headers };
  console.error(`openai-sim: request ${requestId} failed`, error);
  const message = "The server had an error while processing your request. Sorry about that!";
  return { kind: "json", status: 500, body: new SimError(500, message, "server_error").toBody() };
}

function baseHeaders(exchange: Exchange): Record<string, string> {
  const headers: Record<string, string> = {
    "x-request-id": exchange.requestId,
    "openai-version": "2020-10-01",
    "openai-organization": "edgegate-sim",
    "openai-processing-ms": String(Math.max(1, Math.round(performance.now() - exchange.startedAt))),
  };
  if (exchange.route?.rateLimited) {
    const used = Math.ceil(Number(exchange.req.headers["content-length"] ?? 0) / 4);
    Object.assign(headers, {
      "x-ratelimit-limit-requests": "10000",
      "x-ratelimit-limit-tokens": "30000000",
      "x-ratelimit-remaining-requests": "9999",
      "x-ratelimit-remaining-tokens": String(Math.max(0, 30_000_000 - used)),
      "x-ratelimit-reset-requests": "6ms",
      "x-ratelimit-reset-tokens": "0s",
    });
  }
  return headers;
}

/** A JSON answer whose connection drops after `bytes` of its body (the headers announce all of it). */
function cutJson(exchange: Exchange, status: number, text: string, bytes: number): void {
  const { res } = exchange;
  const body = Buffer.from(text);
  res.writeHead(status, {
    ...baseHeaders(exchange),
    "content-type": "application/json",
    "content-length": String(body.length),
  });
  res.write(body.subarray(0, Math.min(bytes, body.length - 1)), () => res.socket?.destroy());
}

async function write(
  state: SimState,
  store: SimStore,
  exchange: Exchange,
  reply: Reply,
  cutAfter: number | undefined,
  stallAfter?: number,
): Promise<void> {
  const { res } = exchange;
  if (res.destroyed) return;
  const headers = { ...baseHeaders(exchange), ...reply.headers };
  if (reply.kind === "json") {
    res.writeHead(reply.status, { ...headers, "content-type": "application/json" });
    res.end(JSON.stringify(reply.body));
    return;
  }
  if (reply.kind === "raw") {
    res.writeHead(reply.status, { ...headers, "content-type": reply.contentType });
    res.end(reply.body);
    return;
  }
  res.writeHead(200, {
    ...headers,
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
  });
  res.flushHeaders();
  let written = 0;
  for (const event of reply.events) {
    if (cutAfter !== undefined && written >= cutAfter) {
      res.socket?.destroy();
      return;
    }
    if (stallAfter !== undefined && written >= stallAfter) return stallStream(res, store);
    if (written > 0) await sleep(store, state.config.streamChunkDelayMs);
    if (res.destroyed) return;
    const frame = `${event.event ? `event: ${event.event}\n` : ""}data: ${event.data}\n\n`;
    await writeFrame(res, frame);
    written++;
  }
  res.end();
}

/** Resolves once the frame is handed to the socket (so a later cut cannot swallow it) or the socket closes. */
function writeFrame(res: ServerResponse, frame: string): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off("close", done);
      resolve();
    };
    res.once("close", done);
    res.write(frame, done);
  });
}

/**
 * The handler contract of the simulator: a route gets a `RequestContext` and returns a `Reply`
 * (JSON, raw bytes, or a list of SSE events); `server.ts` turns replies into HTTP and applies faults.
 */
import type { IncomingMessage } from "node:http";
import { isObject, type JsonObject, SimError } from "./errors";
import type { SimState } from "./state";
import type { SimStore } from "./store";

export interface SseEvent {
  /** Written as an `event:` line when set (Responses API); Chat Completions uses bare `data:`. */
  event?: string;
  data: string;
}

export type Reply =
  | { kind: "json"; status: number; body: unknown; headers?: Record<string, string> }
  | {
      kind: "raw";
      status: number;
      body: Buffer | string;
      contentType: string;
      headers?: Record<string, string>;
    }
  | { kind: "sse"; events: SseEvent[]; headers?: Record<string, string> };

export interface RequestContext {
  state: SimState;
  store: SimStore;
  req: IncomingMessage;
  method: string;
  path: string;
  query: URLSearchParams;
  /** Capture groups of the route pattern (decoded). */
  params: string[];
  readBody(): Promise<Buffer>;
  /** The body parsed as a JSON object, or a 400 worded like OpenAI's. */
  readJson(): Promise<JsonObject>;
}

export interface Route {
  method: string;
  pattern: RegExp;
  handler: (ctx: RequestContext) => Reply | Promise<Reply>;
  /** Model endpoints carry `x-ratelimit-*` headers. */
  rateLimited?: boolean;
}

export function json(body: unknown, status = 200, headers?: Record<string, string>): Reply {
  return { kind: "json", status, body, headers };
}

export function param(ctx: RequestContext, index: number): string {
  const value = ctx.params[index];
  if (value === undefined) throw new Error(`route has no capture group ${index}`);
  return value;
}

const PARSE_ERROR =
  "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP " +
  "library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you " +
  "have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)";

export function parseJsonValue(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch {
    throw new SimError(400, PARSE_ERROR);
  }
}

export function parseJsonObject(raw: Buffer): JsonObject {
  const value = parseJsonValue(raw);
  if (!isObject(value)) throw new SimError(400, PARSE_ERROR);
  return value;
}

/** Reads the whole body, refusing more than `limitBytes` with a 413. */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        reject(new SimError(413, `Request body too large: the limit is ${limitBytes} bytes.`));
        req.removeAllListeners("data");
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

export interface Page<T> {
  object: "list";
  data: T[];
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
}

/**
 * Cursor pagination as OpenAI does it: `items` already in answer order, `after` = the id of the last
 * item the client saw, `limit` capped by `maxLimit`.
 */
export function paginate<T extends { id: string }>(
  items: readonly T[],
  query: URLSearchParams,
  defaultLimit: number,
  maxLimit: number,
): Page<T> {
  const limit = readLimit(query, defaultLimit, maxLimit);
  const after = query.get("after");
  let start = 0;
  if (after) {
    const index = items.findIndex((item) => item.id === after);
    start = index === -1 ? items.length : index + 1;
  }
  const data = items.slice(start, start + limit);
  return {
    object: "list",
    data,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
    has_more: start + limit < items.length,
  };
}

export function readLimit(query: URLSearchParams, defaultLimit: number, maxLimit: number): number {
  const raw = query.get("limit");
  if (raw === null) return defaultLimit;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > maxLimit) {
    const message = `Invalid 'limit': expected an integer between 1 and ${maxLimit}, but got '${raw}' instead.`;
    throw new SimError(400, message, "invalid_request_error", "limit", "invalid_value");
  }
  return limit;
}

/** `metadata[key]=value` query filters. */
export function metadataFilter(query: URLSearchParams): Array<[string, string]> {
  const filters: Array<[string, string]> = [];
  for (const [key, value] of query) {
    const match = /^metadata\[(.+)\]$/.exec(key);
    if (match?.[1]) filters.push([match[1], value]);
  }
  return filters;
}

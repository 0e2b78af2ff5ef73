import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "./env";
import { log } from "./log";

/** The OpenAI error body: all four keys are always present. @see docs/openai-reference.md C.3 */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export interface GatewayErrorOptions {
  type?: string;
  param?: string | null;
  code?: string | null;
  headers?: Record<string, string>;
}

const DEFAULT_TYPE: Partial<Record<number, string>> = {
  400: "invalid_request_error",
  401: "invalid_request_error",
  403: "permission_error",
  404: "invalid_request_error",
  405: "invalid_request_error",
  409: "invalid_request_error",
  413: "invalid_request_error",
  415: "invalid_request_error",
  429: "rate_limit_error",
};

/** The one error type of the gateway: its response is OpenAI's error body with the matching status. */
export class GatewayError extends HTTPException {
  readonly type: string;
  readonly param: string | null;
  readonly code: string | null;
  readonly headers: Record<string, string>;

  constructor(status: ContentfulStatusCode, message: string, options: GatewayErrorOptions = {}) {
    super(status, { message });
    this.type =
      options.type ?? DEFAULT_TYPE[status] ?? (status >= 500 ? "server_error" : "invalid_request_error");
    this.param = options.param ?? null;
    this.code = options.code ?? null;
    this.headers = options.headers ?? {};
  }

  body(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }

  override getResponse(): Response {
    return Response.json(this.body(), { status: this.status, headers: this.headers });
  }
}

/**
 * A body of another media type where a route takes JSON: every such route answers this, whether its
 * body is checked by the route kit's validators (whose 415 from @hono/zod-openapi says only
 * "Unsupported Media Type") or by `jsonRoute` (src/platform/route-kit.ts).
 */
export function notJsonError(): GatewayError {
  return new GatewayError(415, "Send the request body as JSON with 'Content-Type: application/json'.", {
    code: "unsupported_media_type",
  });
}

/** A body that is not valid JSON. */
export function invalidJsonError(): GatewayError {
  return new GatewayError(
    400,
    "We could not parse the JSON body of your request. Send a valid JSON object with 'Content-Type: application/json'.",
    { code: "invalid_json" },
  );
}

/** Hono's own exceptions (e.g. a malformed JSON body in a validator) re-worded in OpenAI's shape. */
function fromHttpException(err: HTTPException): GatewayError {
  // Only JSON bodies are declared through the route kit, so its media-type gate means "not JSON".
  if (err.status === 415) return notJsonError();
  if (err.status === 400 && /malformed json/i.test(err.message)) return invalidJsonError();
  return new GatewayError(err.status as ContentfulStatusCode, err.message || "Request failed.");
}

/** `app.onError`: every failure becomes an OpenAI-shaped body; unexpected ones are logged, never leaked. */
export function handleError(err: Error, c: Context<AppEnv>): Response {
  let gatewayError: GatewayError;
  if (err instanceof GatewayError) gatewayError = err;
  else if (err instanceof HTTPException) gatewayError = fromHttpException(err);
  else {
    log(c.env, "error", "unhandled error", {
      request_id: c.get("requestId"),
      error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
    });
    gatewayError = new GatewayError(
      500,
      "The gateway failed to process the request. Retry, or report the request id.",
      {
        type: "server_error",
        code: "internal_error",
      },
    );
  }
  const res = gatewayError.getResponse();
  const requestId = c.get("requestId");
  if (requestId) res.headers.set("X-Request-Id", requestId);
  return res;
}

/** The 404 of a path no route serves. */
export function unknownRoute(c: Context<AppEnv>): Response {
  throw new GatewayError(404, `Unknown route: ${c.req.method} ${new URL(c.req.url).pathname}.`, {
    code: "unknown_url",
  });
}

/**
 * OpenAI's 404 for a resource that does not exist or is not the caller's (the two answer alike):
 * `No <what> found with id '<id>'.`, code `not_found` unless the route documents another.
 * @see docs/openai-reference.md C.3
 */
export function notFound(
  what: string,
  id: string,
  options: { param?: string; code?: string } = {},
): GatewayError {
  return new GatewayError(404, `No ${what} found with id '${id}'.`, {
    param: options.param ?? null,
    code: options.code ?? "not_found",
  });
}

/**
 * A list's `after` that names nothing in the caller's list (deleted, or another owner's: the two
 * answer alike): its place in the order is unknown, so the list is refused rather than answered with
 * an empty page that would look like its end. `why` says how an id stops being there.
 */
export function unknownCursor(after: string, what: string, why = "deleted, or not yours"): GatewayError {
  return new GatewayError(
    400,
    `'after' names no ${what}: '${after.slice(0, 80)}' (${why}). List again without 'after', or after another id.`,
    { param: "after", code: "invalid_cursor" },
  );
}

/** `row`, or the 404 of {@link notFound} when it is null (missing, or another owner's). */
export function foundOr<T>(
  row: T | null | undefined,
  what: string,
  id: string,
  options?: { param?: string; code?: string },
): T {
  if (row === null || row === undefined) throw notFound(what, id, options);
  return row;
}

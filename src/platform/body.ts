import type { Context } from "hono";
import type { AppEnv } from "./env";
import { GatewayError, invalidJsonError } from "./errors";
import { factory } from "./factory";
import { MAX_JSON_DEPTH, tooDeepAt } from "./json-depth";

const DEFAULT_MAX_BODY_BYTES = 25 * 1024 * 1024;

export function maxBodyBytes(env: AppEnv["Bindings"]): number {
  const configured = Number(env.MAX_BODY_BYTES);
  return Number.isFinite(configured) && configured > 0 ? configured : DEFAULT_MAX_BODY_BYTES;
}

function tooLarge(limit: number): GatewayError {
  return new GatewayError(413, `Request body is larger than the gateway's limit of ${limit} bytes.`, {
    code: "request_too_large",
  });
}

const JSON_TYPE = /^application\/(.+\+)?json\b/i;

function tooDeep(path: string): GatewayError {
  const where = path ? ` at '${path}'` : "";
  return new GatewayError(
    400,
    `The JSON body nests deeper than ${MAX_JSON_DEPTH} levels${where}. Send at most ${MAX_JSON_DEPTH} levels of objects and arrays.`,
    { param: path || null, code: "json_too_deep" },
  );
}

/**
 * Refuses bodies over `MAX_BODY_BYTES` with 413: at once from `Content-Length`, otherwise while
 * reading, so a chunked upload is never buffered past the limit. A JSON body is then checked for
 * nesting deeper than {@link MAX_JSON_DEPTH} (400 naming where) before any route parses it; the
 * text is kept by Hono, so the route kit's validators and `jsonRoute` read it without reading the body again.
 */
export const bodyLimit = factory.createMiddleware(async (c, next) => {
  if (c.req.method === "GET" || c.req.method === "HEAD" || !c.req.raw.body) return next();
  const limit = maxBodyBytes(c.env);
  const declared = Number(c.req.header("content-length"));
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  if (c.req.header("content-length") === undefined) {
    // A chunked body: read it here, under the limit, so later readers see a plain buffered body.
    const buffered = await readLimited(c.req.raw.body, limit);
    c.req.raw = new Request(c.req.raw, { body: buffered });
  }
  if (JSON_TYPE.test(c.req.header("content-type") ?? "")) {
    const deep = tooDeepAt(await readText(c));
    if (deep !== null) throw tooDeep(deep);
  }
  return next();
});

export async function readText(c: Context<AppEnv>): Promise<string> {
  try {
    return await c.req.text();
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    throw new GatewayError(400, "The request body could not be read.", { code: "invalid_body" });
  }
}

async function readLimited(body: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array> {
  const bytes = await readCapped(body, limit);
  if (bytes === null) throw tooLarge(limit);
  return bytes;
}

/** Reads a stream whole, or stops (cancelling it) and answers null once it passes `limit` bytes. */
export async function readCapped(
  body: ReadableStream<Uint8Array>,
  limit: number,
): Promise<Uint8Array | null> {
  const chunks: Uint8Array[] = [];
  let seen = 0;
  // Leaving the loop early cancels the stream.
  for await (const chunk of body) {
    seen += chunk.byteLength;
    if (seen > limit) return null;
    chunks.push(chunk);
  }
  const out = new Uint8Array(seen);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** The request body (JSON text) parsed, or 400 `invalid_json` saying what to send. */
export async function readJson(c: Context<AppEnv>): Promise<unknown> {
  const text = await readText(c);
  try {
    return JSON.parse(text);
  } catch {
    throw invalidJsonError();
  }
}

import type { Context } from "hono";
import type { AppEnv } from "./env";
import { GatewayError } from "./errors";
import { factory } from "./factory";

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

/**
 * Refuses bodies over `MAX_BODY_BYTES` with 413: at once from `Content-Length`, otherwise while
 * reading, so a chunked upload is never buffered past the limit.
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
  return next();
});

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

/** Reads a JSON object body, answering 400 with a message that says what to fix. */
export async function readJsonObject(c: Context<AppEnv>): Promise<Record<string, unknown>> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/(.+\+)?json\b/i.test(type)) {
    throw new GatewayError(415, "Send the request body as JSON with 'Content-Type: application/json'.", {
      code: "unsupported_media_type",
    });
  }
  let text: string;
  try {
    text = await c.req.text();
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    throw new GatewayError(400, "The request body could not be read.", { code: "invalid_body" });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new GatewayError(
      400,
      "We could not parse the JSON body of your request. Send a valid JSON object with 'Content-Type: application/json'.",
      { code: "invalid_json" },
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new GatewayError(400, "The request body must be a JSON object.", { code: "invalid_json" });
  }
  return value as Record<string, unknown>;
}

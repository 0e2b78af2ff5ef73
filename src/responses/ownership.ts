/**
 * Ownership of Responses API objects on the shared provider account, for `POST /v1/responses`: a
 * `previous_response_id` must be the caller's own, and the id of every response created is recorded
 * (from the JSON answer, or from the stream's first event `response.created`) before the client can
 * see it, so a retrieve right after the answer finds it.
 * @see https://platform.openai.com/docs/api-reference/responses/create
 */
import type { Context } from "hono";
import { SseParser } from "../cache/sse";
import { type Owner, ownerOf } from "../identity/principal";
import type { AppEnv } from "../platform/env";
import { GatewayError } from "../platform/errors";
import { log } from "../platform/log";
import { ownedResponse, recordResponse } from "./repository";

/** How much of a stream is held while looking for `response.created` (it is the first event). */
const FIRST_EVENT_MAX_BYTES = 256 * 1024;

/** The provider's answer for an unknown `previous_response_id`: another tenant's looks the same. */
function previousNotFound(id: string): GatewayError {
  return new GatewayError(404, `Previous response with id '${id}' not found.`, {
    param: "previous_response_id",
    code: "previous_response_not_found",
  });
}

/** The provider's answer for an unknown response id, given for another tenant's or user's too. */
export function responseNotFound(id: string): GatewayError {
  return new GatewayError(404, `Response with id '${id}' not found.`, { param: "response_id" });
}

/** 404 unless `id` is a response `owner` created through the gateway. */
export async function assertOwnResponse(c: Context<AppEnv>, owner: Owner, id: string): Promise<void> {
  if (!(await ownedResponse(c.env.DB, owner, id))) throw responseNotFound(id);
}

/**
 * Runs `create` (the proxied `POST /v1/responses`) under the ownership rules: the chained
 * `previous_response_id` is checked first, and the new response's id is recorded as the caller's.
 */
export async function withResponseOwnership(
  c: Context<AppEnv>,
  body: Readonly<Record<string, unknown>>,
  create: () => Promise<Response>,
): Promise<Response> {
  const owner = ownerOf(c.get("principal"));
  const previous = body.previous_response_id;
  if (typeof previous === "string" && !(await ownedResponse(c.env.DB, owner, previous))) {
    throw previousNotFound(previous);
  }
  const res = await create();
  // An unstored response cannot be read back, so there is nothing to own.
  if (!res.ok || !res.body || body.store === false) return res;
  const record = async (id: unknown) => {
    if (typeof id !== "string" || id === "") return;
    // The answer matters more than the record: without it, only reads of this id answer 404.
    await recordResponse(c.env.DB, owner, id).catch((err: unknown) =>
      log(c.env, "error", "response ownership not recorded", {
        request_id: c.get("requestId"),
        response_id: id,
        error: String(err),
      }),
    );
  };
  if ((res.headers.get("content-type") ?? "").includes("text/event-stream")) {
    return new Response(res.body.pipeThrough(recordFirstEvent(record)), res);
  }
  const text = await res.text();
  await record(idOf(text));
  return new Response(text, res);
}

function idOf(json: string): unknown {
  try {
    return (JSON.parse(json) as { id?: unknown }).id;
  } catch {
    return undefined;
  }
}

/**
 * Holds the stream's bytes until its first event (`response.created`) has passed and its response
 * id is recorded, then lets everything through untouched.
 */
function recordFirstEvent(record: (id: unknown) => Promise<void>): TransformStream<Uint8Array, Uint8Array> {
  const decoder = new TextDecoder();
  const parser = new SseParser();
  let held: Uint8Array[] = [];
  let heldBytes = 0;
  let done = false;
  const release = (controller: TransformStreamDefaultController<Uint8Array>) => {
    for (const chunk of held) controller.enqueue(chunk);
    held = [];
    done = true;
  };
  return new TransformStream({
    async transform(chunk, controller) {
      if (done) return controller.enqueue(chunk);
      held.push(chunk);
      heldBytes += chunk.byteLength;
      const first = parser.push(decoder.decode(chunk, { stream: true }))[0];
      if (first) {
        await record(responseIdOf(first.data));
        release(controller);
      } else if (heldBytes > FIRST_EVENT_MAX_BYTES) release(controller);
    },
    flush(controller) {
      if (!done) release(controller);
    },
  });
}

function responseIdOf(data: string): unknown {
  try {
    const event = JSON.parse(data) as { type?: unknown; response?: { id?: unknown } };
    return event.type === "response.created" ? event.response?.id : undefined;
  } catch {
    return undefined;
  }
}

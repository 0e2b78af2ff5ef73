/**
 * Ownership of Responses API objects, for `POST /v1/responses`: a `previous_response_id` must be the
 * caller's own and live on the account the new call goes to, and the id of every response created is
 * recorded with that account (from the JSON answer, or from the stream's first event
 * `response.created`) before the client can see it, so a retrieve right after the answer finds it.
 * The account matters because an id means something only where it was made: an id a tenant's own
 * provider answered is that provider's, whatever response of the shared account has the same id.
 * @see https://platform.openai.com/docs/api-reference/responses/create
 */
import type { Context } from "hono";
import { SseParser } from "../cache/sse";
import { type Owner, ownerOf } from "../identity/principal";
import type { AppEnv } from "../platform/env";
import { GatewayError } from "../platform/errors";
import { log } from "../platform/log";
import { type ProviderAccount, sameAccount } from "../providers";
import { accountOfRow, ownedResponse, type ResponseOwnerRow, recordResponse } from "./repository";

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

/** The record of `id` (with the account it lives on) when `owner` created it; else 404. */
export async function ownResponse(c: Context<AppEnv>, owner: Owner, id: string): Promise<ResponseOwnerRow> {
  const row = await ownedResponse(c.env.DB, owner, id);
  if (!row) throw responseNotFound(id);
  return row;
}

/**
 * Runs `create` (the proxied `POST /v1/responses`, going to `account`) under the ownership rules:
 * the chained `previous_response_id` is checked first (one of another account is unknown there, as
 * the provider would say), and the new response's id is recorded as the caller's, on `account`.
 */
export async function withResponseOwnership(
  c: Context<AppEnv>,
  body: Readonly<Record<string, unknown>>,
  account: ProviderAccount,
  create: () => Promise<Response>,
): Promise<Response> {
  const owner = ownerOf(c.get("principal"));
  const previous = body.previous_response_id;
  if (typeof previous === "string") {
    const row = await ownedResponse(c.env.DB, owner, previous);
    if (!row || !sameAccount(accountOfRow(row), account)) throw previousNotFound(previous);
  }
  const res = await create();
  // An unstored response cannot be read back, so there is nothing to own.
  if (!res.ok || !res.body || body.store === false) return res;
  const record = async (id: unknown) => {
    if (typeof id !== "string" || id === "") return;
    // The answer matters more than the record: without it, only reads of this id answer 404.
    await recordResponse(c.env.DB, owner, id, account).catch((err: unknown) =>
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

/**
 * The Responses API: `POST /v1/responses` (JSON or SSE with `event:` lines and `sequence_number`;
 * `background: true` in `responses-background.ts`), `GET` (JSON, or SSE from `starting_after`) and
 * `DELETE /v1/responses/:id`, `POST …/cancel`, `GET …/input_items`, and `previous_response_id` chains.
 * @see https://platform.openai.com/docs/api-reference/responses
 */
import type {
  Response,
  ResponseItem,
  ResponseOutputItem,
  ResponseUsage,
} from "openai/resources/responses/responses";
import { type JsonObject, optionalString, SimError } from "./errors";
import { deterministicId, type Generated, generate, renderPromptTokens, type SimMessage } from "./generate";
import { json, param, type Reply, type Route, type SseEvent } from "./http";
import { cancelBackground, runInBackground, streamStored } from "./responses-background";
import { inputItemsOf, pageInputItems } from "./responses-items";
import { parseResponsesRequest, type ResponsesRequest } from "./responses-request";
import { responseEvents } from "./responses-stream";
import type { SimState } from "./state";
import { cancelTimer, type SimStore } from "./store";
import { nowSeconds, randomHexId } from "./text";

/** `output_text` is computed by the SDK, never sent on the wire. */
export type WireResponse = Omit<Response, "output_text"> & { store?: boolean };

export interface StoredResponse {
  /** The response as it is now (a background one moves from `queued` to its final state). */
  response: WireResponse;
  /** The whole conversation up to and including this response's output, for `previous_response_id`. */
  conversation: SimMessage[];
  /** The request's input items, for `GET …/input_items`. */
  input: ResponseItem[];
  /** Background responses: what the response becomes, and its events for a streamed retrieve. */
  final?: WireResponse;
  events?: SseEvent[];
  timer?: NodeJS.Timeout | undefined;
}

function outputItems(id: string, answer: Generated, reasoning: boolean): ResponseOutputItem[] {
  const items: ResponseOutputItem[] = [];
  if (reasoning) items.push({ id: deterministicId("rs_", `${id}|rs`), type: "reasoning", summary: [] });
  if (answer.toolCalls.length > 0) {
    for (const call of answer.toolCalls) {
      items.push({
        id: deterministicId("fc_", call.id),
        type: "function_call",
        status: "completed",
        arguments: call.arguments,
        call_id: call.id,
        name: call.name,
      });
    }
    return items;
  }
  const truncated = answer.finishReason === "length";
  items.push({
    id: randomHexId("msg_", 48),
    type: "message",
    status: truncated ? "incomplete" : "completed",
    role: "assistant",
    content:
      answer.refusal !== null
        ? [{ type: "refusal", refusal: answer.refusal }]
        : [{ type: "output_text", text: answer.content ?? "", annotations: [], logprobs: [] }],
  });
  return items;
}

function usageOf(answer: Generated, inputTokens: number, cached: number): ResponseUsage {
  return {
    input_tokens: inputTokens,
    input_tokens_details: { cached_tokens: cached, cache_write_tokens: 0 },
    output_tokens: answer.completionTokens,
    output_tokens_details: { reasoning_tokens: answer.reasoningTokens },
    total_tokens: inputTokens + answer.completionTokens,
  };
}

function buildResponse(req: ResponsesRequest, answer: Generated, usage: ResponseUsage): WireResponse {
  const id = randomHexId("resp_", 48);
  const truncated = answer.finishReason === "length";
  const body = req.body;
  return {
    id,
    object: "response",
    created_at: nowSeconds(),
    status: truncated ? "incomplete" : "completed",
    background: req.background,
    error: null,
    incomplete_details: truncated ? { reason: "max_output_tokens" } : null,
    instructions: optionalString(body, "instructions") ?? null,
    max_output_tokens: req.maxOutputTokens,
    model: req.model.id,
    output: outputItems(id, answer, req.generation.reasoning),
    parallel_tool_calls: req.generation.parallelToolCalls,
    previous_response_id: req.previousResponseId,
    prompt_cache_key: req.promptCacheKey,
    reasoning: { effort: req.generation.reasoning ? "medium" : null, summary: null },
    service_tier: "default",
    store: req.store,
    temperature: req.generation.temperature,
    text: {
      format: (body.text as { format?: unknown } | undefined)?.format ?? { type: "text" },
      verbosity: "medium",
    } as Response["text"],
    tool_choice: (body.tool_choice ?? "auto") as Response["tool_choice"],
    tools: (body.tools ?? []) as Response["tools"],
    top_p: typeof body.top_p === "number" ? body.top_p : 1,
    truncation: "disabled",
    usage,
    metadata: req.metadata,
  };
}

function history(store: SimStore, body: JsonObject): SimMessage[] {
  const previous = optionalString(body, "previous_response_id");
  if (!previous) return [];
  const stored = store.responses.get(previous);
  if (!stored) {
    const message = `Previous response with id '${previous}' not found.`;
    throw new SimError(
      404,
      message,
      "invalid_request_error",
      "previous_response_id",
      "previous_response_not_found",
    );
  }
  return stored.conversation;
}

/** The assistant turn(s) a response adds to the conversation. */
function outputMessages(answer: Generated): SimMessage[] {
  if (answer.toolCalls.length > 0)
    return [{ role: "assistant", text: "", images: [], toolCalls: answer.toolCalls }];
  return [{ role: "assistant", text: answer.content ?? answer.refusal ?? "", images: [] }];
}

export function createResponse(
  state: SimState,
  store: SimStore,
  body: JsonObject,
): { req: ResponsesRequest; response: WireResponse; events: SseEvent[] } {
  const past = history(store, body);
  const req = parseResponsesRequest(store, body, past);
  const prompt = renderPromptTokens(req.generation);
  const cached = store.promptCache.lookupAndStore(req.promptCacheKey, req.model.base, prompt);
  const answer = generate(req.generation, 0);
  const final = buildResponse(req, answer, usageOf(answer, prompt.length, cached));
  const events = responseEvents(final);
  // A background response is answered `queued`; a streamed one runs to its end in the stream.
  // The wire sends `usage: null` until the end; the SDK types `usage` as optional instead.
  const queued = { ...final, status: "queued", output: [], usage: null, incomplete_details: null };
  const response = req.background && !req.stream ? (queued as unknown as WireResponse) : final;
  if (req.store) {
    const stored: StoredResponse = {
      response,
      conversation: [...past, ...req.input, ...outputMessages(answer)],
      input: inputItemsOf(body.input),
      ...(req.background ? { final, events } : {}),
    };
    store.responses.set(final.id, stored);
    if (response !== final) runInBackground(store, stored, state.config.backgroundStepMs);
  }
  return { req, response, events };
}

function getStored(store: SimStore, id: string): StoredResponse {
  const stored = store.responses.get(id);
  if (!stored)
    throw new SimError(
      404,
      `Response with id '${id}' not found.`,
      "invalid_request_error",
      "response_id",
      null,
    );
  return stored;
}

function reply(state: SimState, store: SimStore, body: JsonObject): Reply {
  const { req, response, events } = createResponse(state, store, body);
  if (!req.stream) return json(response);
  return { kind: "sse", events };
}

function retrieve(store: SimStore, id: string, query: URLSearchParams): Reply {
  const stored = getStored(store, id);
  if (query.get("stream") === "true") return streamStored(store, stored, query);
  return json(stored.response);
}

export const responseRoutes: Route[] = [
  {
    method: "POST",
    pattern: /^\/v1\/responses$/,
    rateLimited: true,
    handler: async (ctx) => reply(ctx.state, ctx.store, await ctx.readJson()),
  },
  {
    method: "GET",
    pattern: /^\/v1\/responses\/([^/]+)$/,
    handler: (ctx) => retrieve(ctx.store, param(ctx, 0), ctx.query),
  },
  {
    method: "POST",
    pattern: /^\/v1\/responses\/([^/]+)\/cancel$/,
    handler: (ctx) => json(cancelBackground(ctx.store, getStored(ctx.store, param(ctx, 0)))),
  },
  {
    method: "GET",
    pattern: /^\/v1\/responses\/([^/]+)\/input_items$/,
    handler: (ctx) => json(pageInputItems(getStored(ctx.store, param(ctx, 0)).input, ctx.query)),
  },
  {
    method: "DELETE",
    pattern: /^\/v1\/responses\/([^/]+)$/,
    handler: (ctx) => {
      const stored = getStored(ctx.store, param(ctx, 0));
      const { response } = stored;
      cancelTimer(ctx.store, stored.timer);
      ctx.store.responses.delete(response.id);
      return json({ id: response.id, object: "response", deleted: true });
    },
  },
];

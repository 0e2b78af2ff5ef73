/**
 * The Responses API: `POST /v1/responses` (JSON or SSE with `event:` lines and `sequence_number`),
 * `GET` and `DELETE /v1/responses/:id`, and `previous_response_id` chains over stored responses.
 * @see https://platform.openai.com/docs/api-reference/responses
 */
import type { Response, ResponseOutputItem, ResponseUsage } from "openai/resources/responses/responses";
import { type JsonObject, optionalString, SimError } from "./errors";
import { deterministicId, type Generated, generate, renderPromptTokens, type SimMessage } from "./generate";
import { json, param, type Reply, type Route } from "./http";
import { parseResponsesRequest, type ResponsesRequest } from "./responses-request";
import { responseEvents } from "./responses-stream";
import type { SimStore } from "./store";
import { nowSeconds, randomHexId } from "./text";

/** `output_text` is computed by the SDK, never sent on the wire. */
export type WireResponse = Omit<Response, "output_text"> & { store?: boolean };

export interface StoredResponse {
  response: WireResponse;
  /** The whole conversation up to and including this response's output, for `previous_response_id`. */
  conversation: SimMessage[];
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
    background: false,
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
  store: SimStore,
  body: JsonObject,
): { req: ResponsesRequest; response: WireResponse } {
  const past = history(store, body);
  const req = parseResponsesRequest(store, body, past);
  const prompt = renderPromptTokens(req.generation);
  const cached = store.promptCache.lookupAndStore(req.promptCacheKey, req.model.base, prompt);
  const answer = generate(req.generation, 0);
  const response = buildResponse(req, answer, usageOf(answer, prompt.length, cached));
  if (req.store) {
    const conversation = [...past, ...req.input, ...outputMessages(answer)];
    store.responses.set(response.id, { response, conversation });
  }
  return { req, response };
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

function reply(store: SimStore, body: JsonObject): Reply {
  const { req, response } = createResponse(store, body);
  if (!req.stream) return json(response);
  return { kind: "sse", events: responseEvents(response) };
}

export const responseRoutes: Route[] = [
  {
    method: "POST",
    pattern: /^\/v1\/responses$/,
    rateLimited: true,
    handler: async (ctx) => reply(ctx.store, await ctx.readJson()),
  },
  {
    method: "GET",
    pattern: /^\/v1\/responses\/([^/]+)$/,
    handler: (ctx) => json(getStored(ctx.store, param(ctx, 0)).response),
  },
  {
    method: "DELETE",
    pattern: /^\/v1\/responses\/([^/]+)$/,
    handler: (ctx) => {
      const { response } = getStored(ctx.store, param(ctx, 0));
      ctx.store.responses.delete(response.id);
      return json({ id: response.id, object: "response", deleted: true });
    },
  },
];

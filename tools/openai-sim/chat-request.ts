/**
 * Reads a `POST /v1/chat/completions` body into a typed request plus the simulated model's input,
 * rejecting what OpenAI rejects (with the same `param` and `code`).
 * @see docs/openai-reference.md C.1
 */
import type { ChatCompletionCreateParams } from "openai/resources/chat/completions";
import { parseChatMessages, parseChatTools } from "./chat-messages";
import {
  badRequest,
  invalidType,
  invalidValue,
  isObject,
  type JsonObject,
  optionalBoolean,
  optionalEnum,
  optionalMetadata,
  optionalNumber,
  optionalObject,
  optionalString,
  rejectUnknownFields,
  requireString,
  SimError,
} from "./errors";
import type { GenerationRequest, SimFormat, SimMessage, SimTool, SimToolChoice } from "./generate";
import { conversationKey } from "./generate";
import { type ResolvedModel, requireTextModel } from "./models";
import { type PromptCacheRequest, parsePromptCacheFields } from "./prompt-cache";
import type { SimStore } from "./store";

export type ServiceTier = "auto" | "default" | "flex" | "scale" | "priority";
const SERVICE_TIERS: readonly ServiceTier[] = ["auto", "default", "flex", "scale", "priority"];

/** The request fields of `ChatCompletionCreateParams` (openai-node 6.x). */
const CHAT_FIELDS: ReadonlySet<string> = new Set(
  (
    "messages model audio frequency_penalty function_call functions logit_bias logprobs max_completion_tokens " +
    "max_tokens metadata modalities moderation n parallel_tool_calls prediction presence_penalty prompt_cache_key " +
    "prompt_cache_options prompt_cache_retention reasoning_effort response_format safety_identifier seed " +
    "service_tier stop store stream stream_options temperature tool_choice tools top_logprobs top_p user verbosity " +
    "web_search_options"
  ).split(" "),
);

export interface ChatRequest {
  params: ChatCompletionCreateParams;
  model: ResolvedModel;
  generation: GenerationRequest;
  n: number;
  stream: boolean;
  includeUsage: boolean;
  includeObfuscation: boolean;
  logprobs: boolean;
  topLogprobs: number;
  serviceTier: Exclude<ServiceTier, "auto">;
  promptCacheKey: string | null;
  /** `prompt_cache_retention`, `prompt_cache_options` and block breakpoints (2026). */
  promptCache: PromptCacheRequest;
}

export function parseChatRequest(store: SimStore, body: JsonObject): ChatRequest {
  rejectUnknownFields(body, CHAT_FIELDS);
  const model = requireTextModel(store, requireString(body, "model"), "v1/chat/completions");
  const messages = parseChatMessages(body.messages);
  const tools = parseChatTools(body.tools);
  if (/^(gpt-3\.5|babbage|davinci)/.test(model.base) && messages.some((m) => m.images.length > 0)) {
    throw badRequest("Invalid content type. image_url is only supported by certain models.", "messages");
  }
  const reasoning = model.kind === "reasoning";
  checkReasoningParams(body, reasoning);
  const transport = parseTransport(body);
  const maxTokens =
    optionalNumber(body, "max_completion_tokens", { integer: true, min: 1 }) ??
    optionalNumber(body, "max_tokens", { integer: true, min: 1 }) ??
    null;
  optionalNumber(body, "top_p", { min: 0, max: 1 });
  optionalNumber(body, "presence_penalty", { min: -2, max: 2 });
  optionalNumber(body, "frequency_penalty", { min: -2, max: 2 });
  optionalMetadata(body);
  optionalBoolean(body, "store");
  checkIdentifier(body);
  const generation: GenerationRequest = {
    model: model.base,
    messages,
    tools,
    toolChoice: parseToolChoice(body.tool_choice, tools),
    parallelToolCalls: optionalBoolean(body, "parallel_tool_calls") ?? true,
    format: parseResponseFormat(body, messages),
    stop: parseStop(body.stop),
    maxTokens,
    seed: optionalNumber(body, "seed", { integer: true }) ?? null,
    temperature: optionalNumber(body, "temperature", { min: 0, max: 2 }) ?? 1,
    reasoning,
  };
  if (model.fineTuned) generation.memorized = memorizedAnswer(store, model.id, messages);
  const tier = optionalEnum(body, "service_tier", SERVICE_TIERS) ?? "auto";
  return {
    params: body as unknown as ChatCompletionCreateParams,
    model,
    generation,
    n: optionalNumber(body, "n", { integer: true, min: 1, max: 128 }) ?? 1,
    ...transport,
    serviceTier: tier === "auto" ? "default" : tier,
    promptCacheKey: optionalString(body, "prompt_cache_key") ?? null,
    promptCache: parsePromptCacheFields(body, model.base),
  };
}

type Transport = Pick<
  ChatRequest,
  "stream" | "includeUsage" | "includeObfuscation" | "logprobs" | "topLogprobs"
>;

/** The fields that shape the reply but not the answer: streaming options and logprobs. */
function parseTransport(body: JsonObject): Transport {
  const stream = optionalBoolean(body, "stream") ?? false;
  const streamOptions = optionalObject(body, "stream_options");
  if (streamOptions && !stream) {
    throw badRequest(
      "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
      "stream_options",
    );
  }
  const logprobs = optionalBoolean(body, "logprobs") ?? false;
  const topLogprobs = optionalNumber(body, "top_logprobs", { integer: true, min: 0, max: 20 });
  if (topLogprobs !== undefined && !logprobs) {
    const message =
      "Invalid value for 'top_logprobs': 'logprobs' must be set to true when 'top_logprobs' is used.";
    throw badRequest(message, "top_logprobs");
  }
  return {
    stream,
    includeUsage: streamOptions?.include_usage === true,
    includeObfuscation: streamOptions?.include_obfuscation !== false,
    logprobs,
    topLogprobs: topLogprobs ?? 0,
  };
}

/** Reasoning models refuse `max_tokens` and any temperature other than the default. */
function checkReasoningParams(body: JsonObject, reasoning: boolean): void {
  if (!reasoning) return;
  if (body.max_tokens !== undefined && body.max_tokens !== null) {
    const message =
      "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.";
    throw new SimError(400, message, "invalid_request_error", "max_tokens", "unsupported_parameter");
  }
  const temperature = body.temperature;
  if (temperature !== undefined && temperature !== null && temperature !== 1) {
    const message = `Unsupported value: 'temperature' does not support ${String(temperature)} with this model. Only the default (1) value is supported.`;
    throw new SimError(400, message, "invalid_request_error", "temperature", "unsupported_value");
  }
}

function checkIdentifier(body: JsonObject): void {
  const id = optionalString(body, "safety_identifier");
  if (id !== undefined && id.length > 64) {
    throw badRequest(
      "Invalid 'safety_identifier': string too long. Expected a string with maximum length 64.",
      "safety_identifier",
      "string_above_max_length",
    );
  }
  optionalString(body, "user");
}

function parseStop(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === "string") return [value];
  if (!Array.isArray(value) || value.some((s) => typeof s !== "string")) {
    throw invalidType("stop", "one of a string or array of strings", value);
  }
  if (value.length > 4) {
    throw badRequest(
      "Invalid 'stop': array too long. Expected an array with maximum length 4.",
      "stop",
      "array_above_max_length",
    );
  }
  return value as string[];
}

function parseToolChoice(value: unknown, tools: readonly SimTool[]): SimToolChoice {
  if (value === undefined || value === null) return tools.length > 0 ? "auto" : "none";
  if (tools.length === 0) {
    throw badRequest(
      "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.",
      "tool_choice",
    );
  }
  if (value === "none" || value === "auto" || value === "required") return value;
  if (typeof value === "string") throw invalidValue("tool_choice", value, ["none", "auto", "required"]);
  if (!isObject(value) || value.type !== "function" || !isObject(value.function)) {
    throw invalidType("tool_choice", "one of a string or object", value);
  }
  const name = requireString(value.function, "name", "tool_choice.function");
  if (!tools.some((t) => t.name === name)) {
    throw badRequest(
      `Invalid value for 'tool_choice': function '${name}' is not among the provided 'tools'.`,
      "tool_choice",
    );
  }
  return { name };
}

function parseResponseFormat(body: JsonObject, messages: readonly SimMessage[]): SimFormat {
  const format = optionalObject(body, "response_format");
  if (!format) return { type: "text" };
  const type = format.type;
  if (type === "text") return { type: "text" };
  if (type === "json_object") {
    if (!messages.some((m) => /json/i.test(m.text))) {
      throw badRequest(
        "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
        "messages",
      );
    }
    return { type: "json_object" };
  }
  if (type === "json_schema") {
    const spec = format.json_schema;
    if (!isObject(spec))
      throw badRequest(
        "Missing required parameter: 'response_format.json_schema'.",
        "response_format.json_schema",
        "missing_required_parameter",
      );
    const name = requireString(spec, "name", "response_format.json_schema");
    return { type: "json_schema", name, schema: spec.schema ?? { type: "object", properties: {} } };
  }
  throw invalidValue("response_format.type", type, ["text", "json_object", "json_schema"]);
}

/** A fine-tuned model answers a conversation it was trained on (minus a trailing assistant turn) verbatim. */
function memorizedAnswer(
  store: SimStore,
  modelId: string,
  messages: readonly SimMessage[],
): GenerationRequest["memorized"] {
  const tuned = store.fineTunedModels.get(modelId);
  if (!tuned) return undefined;
  const prompt = messages.at(-1)?.role === "assistant" ? messages.slice(0, -1) : messages;
  return tuned.examples.get(conversationKey(prompt));
}

/**
 * Reads a `POST /v1/responses` body (input string or items, instructions, flat function tools,
 * `text.format`, `previous_response_id`, …) into the simulated model's input.
 * @see https://platform.openai.com/docs/api-reference/responses/create
 */
import { parseFunction } from "./chat-messages";
import {
  badRequest,
  invalidType,
  invalidValue,
  isObject,
  type JsonObject,
  missing,
  optionalBoolean,
  optionalMetadata,
  optionalNumber,
  optionalObject,
  optionalString,
  rejectUnknownFields,
  requireString,
  SimError,
} from "./errors";
import type { GenerationRequest, SimFormat, SimMessage, SimRole, SimTool, SimToolChoice } from "./generate";
import { type ResolvedModel, requireTextModel } from "./models";
import type { SimStore } from "./store";

export interface ResponsesRequest {
  body: JsonObject;
  model: ResolvedModel;
  /** This request's own input items, normalised (stored for `previous_response_id` chains). */
  input: SimMessage[];
  generation: GenerationRequest;
  stream: boolean;
  store: boolean;
  /** `background: true`: answered `queued` at once, finished later (`responses-background.ts`). */
  background: boolean;
  metadata: Record<string, string>;
  previousResponseId: string | null;
  maxOutputTokens: number | null;
  promptCacheKey: string | null;
}

/** The request fields of `ResponseCreateParams` (openai-node 6.x). */
const RESPONSE_FIELDS: ReadonlySet<string> = new Set(
  (
    "background context_management conversation include input instructions max_output_tokens metadata model " +
    "moderation parallel_tool_calls previous_response_id prompt prompt_cache_key prompt_cache_options " +
    "prompt_cache_retention reasoning safety_identifier service_tier store stream stream_options temperature text " +
    "tool_choice tools top_logprobs top_p truncation user"
  ).split(" "),
);

const ROLES: readonly string[] = ["user", "assistant", "system", "developer"];

function partText(part: unknown, path: string, images: string[]): string {
  if (!isObject(part)) throw invalidType(path, "an object", part);
  switch (part.type) {
    case "input_text":
    case "output_text":
      return requireString(part, "text", path);
    case "refusal":
      return requireString(part, "refusal", path);
    case "input_image": {
      const url = optionalString(part, "image_url", path) ?? optionalString(part, "file_id", path);
      if (!url) throw missing(`${path}.image_url`);
      images.push(url);
      return "";
    }
    case "input_file":
      return "";
    default:
      throw invalidValue(`${path}.type`, part.type, [
        "input_text",
        "input_image",
        "input_file",
        "output_text",
        "refusal",
      ]);
  }
}

function parseItem(item: unknown, path: string): SimMessage {
  if (!isObject(item)) throw invalidType(path, "an object", item);
  if (item.type === "function_call") {
    const call = {
      id: requireString(item, "call_id", path),
      name: requireString(item, "name", path),
      arguments: requireString(item, "arguments", path),
    };
    return { role: "assistant", text: "", images: [], toolCalls: [call] };
  }
  if (item.type === "function_call_output") {
    const output = item.output;
    const text = typeof output === "string" ? output : JSON.stringify(output ?? "");
    return { role: "tool", text, images: [], toolCallId: requireString(item, "call_id", path) };
  }
  if (item.type !== undefined && item.type !== "message") {
    throw invalidValue(`${path}.type`, item.type, ["message", "function_call", "function_call_output"]);
  }
  const role = requireString(item, "role", path);
  if (!ROLES.includes(role)) throw invalidValue(`${path}.role`, role, ROLES);
  const content = item.content;
  const images: string[] = [];
  let text: string;
  if (typeof content === "string") text = content;
  else if (Array.isArray(content))
    text = content
      .map((p, i) => partText(p, `${path}.content[${i}]`, images))
      .filter(Boolean)
      .join("\n");
  else throw invalidType(`${path}.content`, "one of a string or array of objects", content);
  return { role: role as SimRole, text, images };
}

export function parseInput(value: unknown): SimMessage[] {
  if (value === undefined || value === null) throw missing("input");
  if (typeof value === "string") return [{ role: "user", text: value, images: [] }];
  if (!Array.isArray(value)) throw invalidType("input", "one of a string or array of objects", value);
  return value.map((item, i) => parseItem(item, `input[${i}]`));
}

function parseTools(value: unknown): SimTool[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidType("tools", "an array", value);
  return value.flatMap((tool: unknown, i) => {
    if (!isObject(tool)) throw invalidType(`tools[${i}]`, "an object", tool);
    return tool.type === "function" ? [parseFunction(tool, `tools[${i}]`)] : [];
  });
}

function parseToolChoice(value: unknown, tools: readonly SimTool[]): SimToolChoice {
  if (value === undefined || value === null) return "auto";
  if (value === "none" || value === "auto" || value === "required") return value;
  if (isObject(value) && value.type === "function") {
    const name = requireString(value, "name", "tool_choice");
    if (!tools.some((t) => t.name === name))
      throw badRequest(`Tool choice '${name}' not found in 'tools' parameter.`, "tool_choice");
    return { name };
  }
  throw invalidValue("tool_choice", typeof value === "string" ? value : JSON.stringify(value), [
    "none",
    "auto",
    "required",
  ]);
}

function parseFormat(body: JsonObject): SimFormat {
  const format = optionalObject(optionalObject(body, "text") ?? {}, "format", "text");
  if (!format || format.type === "text") return { type: "text" };
  if (format.type === "json_object") return { type: "json_object" };
  if (format.type === "json_schema") {
    return {
      type: "json_schema",
      name: requireString(format, "name", "text.format"),
      schema: format.schema ?? {},
    };
  }
  throw invalidValue("text.format.type", format.type, ["text", "json_object", "json_schema"]);
}

export function parseResponsesRequest(
  store: SimStore,
  body: JsonObject,
  history: SimMessage[],
): ResponsesRequest {
  rejectUnknownFields(body, RESPONSE_FIELDS);
  const model = requireTextModel(store, requireString(body, "model"), "v1/responses");
  const input = parseInput(body.input);
  const instructions = optionalString(body, "instructions");
  const tools = parseTools(body.tools);
  const maxOutputTokens = optionalNumber(body, "max_output_tokens", { integer: true, min: 16 }) ?? null;
  const background = optionalBoolean(body, "background") ?? false;
  const stored = optionalBoolean(body, "store") ?? true;
  if (background && !stored) {
    throw new SimError(
      400,
      "Background mode requires 'store' to be true.",
      "invalid_request_error",
      "background",
      "invalid_value",
    );
  }
  const reasoning = model.kind === "reasoning";
  const temperature = optionalNumber(body, "temperature", { min: 0, max: 2 }) ?? 1;
  if (reasoning && temperature !== 1) {
    throw new SimError(
      400,
      "Unsupported parameter: 'temperature' is not supported with this model.",
      "invalid_request_error",
      "temperature",
      "unsupported_parameter",
    );
  }
  optionalNumber(body, "top_p", { min: 0, max: 1 });
  const system: SimMessage[] = instructions ? [{ role: "developer", text: instructions, images: [] }] : [];
  return {
    body,
    model,
    input,
    generation: {
      model: model.base,
      messages: [...system, ...history, ...input],
      tools,
      toolChoice: parseToolChoice(body.tool_choice, tools),
      parallelToolCalls: optionalBoolean(body, "parallel_tool_calls") ?? true,
      format: parseFormat(body),
      stop: [],
      maxTokens: maxOutputTokens,
      seed: null,
      temperature,
      reasoning,
    },
    stream: optionalBoolean(body, "stream") ?? false,
    store: stored,
    background,
    metadata: optionalMetadata(body) ?? {},
    previousResponseId: optionalString(body, "previous_response_id") ?? null,
    maxOutputTokens,
    promptCacheKey: optionalString(body, "prompt_cache_key") ?? null,
  };
}

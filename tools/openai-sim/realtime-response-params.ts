/**
 * Validation of `response.create`'s optional `response` object (GA per-response overrides).
 * @see https://platform.openai.com/docs/api-reference/realtime-client-events/response/create
 */
import type { RealtimeToolChoiceConfig } from "openai/resources/realtime/realtime";
import type { Conversation } from "./realtime-conversation";
import type { ResponseOverrides } from "./realtime-response";
import type { SimError, SimItem } from "./realtime-types";
import {
  invalidType,
  invalidValue,
  isRecord,
  isSimError,
  parseItem,
  parseModalities,
  parseToolChoice,
  parseTools,
} from "./realtime-validate";

const MAX_METADATA_PAIRS = 16;

function parseMetadata(value: unknown): Record<string, string> | SimError | null {
  if (value === null) return null;
  if (!isRecord(value)) return invalidType("response.metadata", "an object", value);
  const entries = Object.entries(value);
  if (entries.length > MAX_METADATA_PAIRS) {
    const message = `Invalid 'response.metadata': too many properties. Expected at most ${MAX_METADATA_PAIRS}, but got ${entries.length}.`;
    return { code: "invalid_value", message, param: "response.metadata" };
  }
  for (const [key, field] of entries) {
    if (typeof field !== "string") return invalidType(`response.metadata.${key}`, "a string", field);
  }
  return value as Record<string, string>;
}

/** `response.input`: new items, or `{type:"item_reference", id}` pointing into the conversation. */
function parseInput(value: unknown, conversation: Conversation): SimItem[] | SimError {
  if (!Array.isArray(value)) return invalidType("response.input", "an array", value);
  const items: SimItem[] = [];
  for (const [index, entry] of value.entries()) {
    if (isRecord(entry) && entry.type === "item_reference") {
      const found = typeof entry.id === "string" ? conversation.get(entry.id) : undefined;
      if (!found) {
        const message = `Item with id '${String(entry.id)}' not found in the conversation.`;
        return { code: "invalid_value", message, param: `response.input[${index}].id` };
      }
      items.push(found);
      continue;
    }
    const parsed = parseItem(entry);
    if (isSimError(parsed)) return { ...parsed, param: `response.input[${index}]` };
    items.push(parsed.item);
  }
  return items;
}

type FieldParser = (value: unknown, conversation: Conversation) => ResponseOverrides | SimError;

const FIELDS: Record<string, FieldParser> = {
  instructions: (value) =>
    typeof value === "string"
      ? { instructions: value }
      : invalidType("response.instructions", "a string", value),
  output_modalities: (value) => {
    const modalities = parseModalities(value, "response.output_modalities");
    return isSimError(modalities) ? modalities : { modalities };
  },
  tools: (value) => {
    const tools = parseTools(value, "response.tools");
    return isSimError(tools) ? tools : { tools };
  },
  tool_choice: (value) => {
    const choice = parseToolChoice(value, "response.tool_choice");
    return isSimError(choice) ? choice : { toolChoice: choice as RealtimeToolChoiceConfig };
  },
  conversation: (value) => {
    if (value === "auto" || value === "none") return { inConversation: value === "auto" };
    return invalidValue("response.conversation", value, ["auto", "none"]);
  },
  metadata: (value) => {
    const metadata = parseMetadata(value);
    return isSimError(metadata) ? metadata : { metadata };
  },
  max_output_tokens: (value) => {
    if (value === "inf") return { maxOutputTokens: "inf" };
    if (Number.isInteger(value) && Number(value) >= 1 && Number(value) <= 4096)
      return { maxOutputTokens: Number(value) };
    return invalidValue("response.max_output_tokens", value, ["an integer between 1 and 4096", "inf"]);
  },
  input: (value, conversation) => {
    const context = parseInput(value, conversation);
    return isSimError(context) ? context : { context };
  },
  audio: (value) => {
    const output = isRecord(value) && isRecord(value.output) ? value.output : {};
    const voice = output.voice;
    if (voice === undefined) return {};
    if (typeof voice === "string") return { voice };
    return invalidType("response.audio.output.voice", "a string", voice);
  },
};

/** Ignored but accepted: they change nothing the simulator produces. */
const ACCEPTED = new Set(["parallel_tool_calls", "reasoning", "prompt"]);

export function parseResponseCreate(
  value: unknown,
  conversation: Conversation,
): ResponseOverrides | SimError {
  if (value === undefined) return {};
  if (!isRecord(value)) return invalidType("response", "an object", value);
  let overrides: ResponseOverrides = {};
  for (const [key, field] of Object.entries(value)) {
    if (ACCEPTED.has(key)) continue;
    const parse = FIELDS[key];
    if (parse === undefined) {
      return {
        code: "unknown_parameter",
        message: `Unknown parameter: 'response.${key}'.`,
        param: `response.${key}`,
      };
    }
    const parsed = parse(field, conversation);
    if (isSimError(parsed)) return parsed;
    overrides = { ...overrides, ...parsed };
  }
  return overrides;
}

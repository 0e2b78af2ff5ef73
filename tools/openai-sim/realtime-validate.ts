/**
 * Validation shared by the simulator's client-event handlers. Failures become `error` events with
 * OpenAI's codes (`missing_required_parameter`, `invalid_type`, `invalid_value`, `unknown_parameter`).
 * @see https://platform.openai.com/docs/api-reference/realtime-client-events
 */
import { decodeBase64 } from "./realtime-audio";
import type { SimError, SimItem, SimUserContent } from "./realtime-types";
import { newId } from "./realtime-types";

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (Number.isInteger(value)) return "an integer";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

export function missingParameter(param: string): SimError {
  return { code: "missing_required_parameter", message: `Missing required parameter: '${param}'.`, param };
}

export function invalidType(param: string, expected: string, value: unknown): SimError {
  if (value === undefined) return missingParameter(param);
  const message = `Invalid type for '${param}': expected ${expected}, but got ${jsonType(value)} instead.`;
  return { code: "invalid_type", message, param };
}

export function invalidValue(param: string, value: unknown, supported: readonly unknown[]): SimError {
  if (value === undefined) return missingParameter(param);
  const list = supported.map((s) => (typeof s === "string" ? `'${s}'` : String(s))).join(", ");
  const message = `Invalid value: ${JSON.stringify(value)}. Supported values are: ${list}.`;
  return { code: "invalid_value", message, param };
}

export function isSimError(value: unknown): value is SimError {
  return isRecord(value) && typeof value.code === "string" && typeof value.message === "string";
}

/** GA allows exactly one output modality: `["audio"]` (audio + transcript) or `["text"]`. */
export function parseModalities(value: unknown, param: string): Array<"text" | "audio"> | SimError {
  if (!Array.isArray(value)) return invalidType(param, "an array", value);
  if (value.length !== 1 || (value[0] !== "text" && value[0] !== "audio")) {
    return invalidValue(param, value, ["['audio']", "['text']"]);
  }
  return [value[0]];
}

/** Flat GA tools: `{type:"function", name, …}` or `{type:"mcp", server_label, …}`. */
export function parseTools(value: unknown, param: string): Record<string, unknown>[] | SimError {
  if (!Array.isArray(value)) return invalidType(param, "an array", value);
  const tools: Record<string, unknown>[] = [];
  for (const [index, tool] of value.entries()) {
    const at = `${param}[${index}]`;
    if (!isRecord(tool)) return invalidType(at, "an object", tool);
    const type = tool.type ?? "function";
    if (type === "function" && typeof tool.name !== "string")
      return invalidType(`${at}.name`, "a string", tool.name);
    if (type === "mcp" && typeof tool.server_label !== "string") {
      return invalidType(`${at}.server_label`, "a string", tool.server_label);
    }
    if (type !== "function" && type !== "mcp") return invalidValue(`${at}.type`, type, ["function", "mcp"]);
    tools.push({ ...tool, type });
  }
  return tools;
}

export function parseToolChoice(value: unknown, param: string): unknown {
  if (value === "auto" || value === "none" || value === "required") return value;
  if (isRecord(value) && value.type === "function" && typeof value.name === "string") return value;
  if (isRecord(value) && value.type === "mcp" && typeof value.server_label === "string") return value;
  return invalidValue(param, value, ["auto", "none", "required", "{type:'function', name}"]);
}

export interface ParsedItem {
  item: SimItem;
  /** Decoded PCM of an `input_audio` part, kept beside the item (not echoed in events). */
  audio: Buffer | null;
}

const PART_TYPES = {
  user: ["input_text", "input_audio", "input_image"],
  system: ["input_text"],
  assistant: ["output_text", "output_audio"],
} as const;

type Role = keyof typeof PART_TYPES;

function parsePart(part: unknown, role: Role, at: string): SimUserContent | SimError {
  if (!isRecord(part)) return invalidType(at, "an object", part);
  const allowed: readonly string[] = PART_TYPES[role];
  if (typeof part.type !== "string" || !allowed.includes(part.type)) {
    return invalidValue(`${at}.type`, part.type, allowed);
  }
  if (part.type === "input_text" || part.type === "output_text") {
    if (typeof part.text !== "string") return invalidType(`${at}.text`, "a string", part.text);
    return { type: part.type as "input_text", text: part.text };
  }
  if (part.type === "input_image") {
    if (typeof part.image_url !== "string" || !part.image_url.startsWith("data:image/")) {
      return invalidValue(`${at}.image_url`, part.image_url, ["a data:image/png or data:image/jpeg URI"]);
    }
    const detail = part.detail === "low" || part.detail === "high" ? part.detail : "auto";
    return { type: "input_image", image_url: part.image_url, detail };
  }
  if (part.audio !== undefined && (typeof part.audio !== "string" || decodeBase64(part.audio) === null)) {
    return invalidValue(`${at}.audio`, "<audio>", ["base64-encoded PCM16 audio"]);
  }
  const transcript = typeof part.transcript === "string" ? part.transcript : null;
  return {
    type: part.type as "input_audio",
    transcript,
    ...(typeof part.audio === "string" && { audio: part.audio }),
  };
}

function parseMessage(value: Record<string, unknown>, id: string): ParsedItem | SimError {
  const role = value.role;
  if (role !== "user" && role !== "assistant" && role !== "system") {
    return invalidValue("item.role", role, ["user", "assistant", "system"]);
  }
  if (!Array.isArray(value.content)) return invalidType("item.content", "an array", value.content);
  const content: SimUserContent[] = [];
  let audio: Buffer | null = null;
  for (const [index, raw] of value.content.entries()) {
    const part = parsePart(raw, role, `item.content[${index}]`);
    if (isSimError(part)) return part;
    if (part.audio !== undefined) {
      audio = decodeBase64(part.audio);
      delete part.audio;
    }
    content.push(part);
  }
  const base = { id, object: "realtime.item", type: "message", status: "completed" } as const;
  const item = { ...base, role, content } as SimItem;
  return { item, audio };
}

/** Validates a client-supplied conversation item and normalises it (id, `object`, `status`). */
export function parseItem(value: unknown): ParsedItem | SimError {
  if (!isRecord(value)) return invalidType("item", "an object", value);
  if (value.id !== undefined && typeof value.id !== "string")
    return invalidType("item.id", "a string", value.id);
  const id = typeof value.id === "string" ? value.id : newId("item");
  const base = { id, object: "realtime.item", status: "completed" } as const;
  if (value.type === "message") return parseMessage(value, id);
  if (value.type === "function_call_output") {
    if (typeof value.call_id !== "string") return invalidType("item.call_id", "a string", value.call_id);
    if (typeof value.output !== "string") return invalidType("item.output", "a string", value.output);
    return {
      item: { ...base, type: "function_call_output", call_id: value.call_id, output: value.output },
      audio: null,
    };
  }
  if (value.type === "function_call") {
    if (typeof value.name !== "string") return invalidType("item.name", "a string", value.name);
    if (typeof value.arguments !== "string")
      return invalidType("item.arguments", "a string", value.arguments);
    const callId = typeof value.call_id === "string" ? value.call_id : newId("call");
    const item = {
      ...base,
      type: "function_call",
      name: value.name,
      arguments: value.arguments,
      call_id: callId,
    } as const;
    return { item, audio: null };
  }
  return invalidValue("item.type", value.type, ["message", "function_call", "function_call_output"]);
}

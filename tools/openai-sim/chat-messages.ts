/**
 * Validation and normalisation of Chat Completions `messages` and `tools`, shared by the endpoint and
 * by fine-tuning file validation (which reports the same problems per line).
 * @see docs/openai-reference.md C.1
 */
import {
  badRequest,
  invalidType,
  invalidValue,
  isObject,
  type JsonObject,
  missing,
  requireString,
  SimError,
} from "./errors";
import type { SimMessage, SimRole, SimTool, SimToolCall } from "./generate";

const ROLES: readonly SimRole[] = ["system", "assistant", "user", "function", "tool", "developer"];
const PART_TYPES: Record<SimRole, readonly string[]> = {
  system: ["text"],
  developer: ["text"],
  user: ["text", "image_url", "input_audio", "file"],
  assistant: ["text", "refusal"],
  tool: ["text"],
  function: ["text"],
};

/** Normalises `messages`, throwing OpenAI's 400 for the first invalid field. */
export function parseChatMessages(value: unknown, param = "messages"): SimMessage[] {
  if (value === undefined || value === null) throw missing(param);
  if (!Array.isArray(value)) throw invalidType(param, "an array", value);
  if (value.length === 0) {
    throw new SimError(
      400,
      `Invalid '${param}': empty array. Expected an array with minimum length 1, but got an empty array instead.`,
      undefined,
      param,
      "empty_array",
    );
  }
  const messages = value.map((item, i) => parseMessage(item, `${param}[${i}]`));
  checkToolOrder(messages, param);
  return messages;
}

function parseMessage(item: unknown, path: string): SimMessage {
  if (!isObject(item)) throw invalidType(path, "an object", item);
  const role = item.role;
  if (role === undefined) throw missing(`${path}.role`);
  if (typeof role !== "string" || !(ROLES as readonly string[]).includes(role)) {
    throw invalidValue(`${path}.role`, role, ROLES);
  }
  const simRole = role as SimRole;
  const toolCalls =
    simRole === "assistant" ? parseToolCalls(item.tool_calls, `${path}.tool_calls`) : undefined;
  const content = item.content;
  if (
    (content === undefined || content === null) &&
    !(simRole === "assistant" && (toolCalls || item.refusal))
  ) {
    throw missing(`${path}.content`);
  }
  const { text, images } = parseContent(content, simRole, `${path}.content`);
  const message: SimMessage = { role: simRole, text, images };
  if (toolCalls) message.toolCalls = toolCalls;
  if (simRole === "tool") message.toolCallId = requireString(item, "tool_call_id", path);
  return message;
}

function parseContent(content: unknown, role: SimRole, path: string): { text: string; images: string[] } {
  if (content === undefined || content === null) return { text: "", images: [] };
  if (typeof content === "string") return { text: content, images: [] };
  if (!Array.isArray(content)) throw invalidType(path, "one of a string or array of objects", content);
  const texts: string[] = [];
  const images: string[] = [];
  content.forEach((part: unknown, i) => {
    const partPath = `${path}[${i}]`;
    if (!isObject(part)) throw invalidType(partPath, "an object", part);
    const type = part.type;
    if (typeof type !== "string" || !PART_TYPES[role].includes(type)) {
      throw invalidValue(`${partPath}.type`, type, PART_TYPES[role]);
    }
    if (type === "text") texts.push(requireString(part, "text", partPath));
    else if (type === "refusal") texts.push(requireString(part, "refusal", partPath));
    else if (type === "image_url") images.push(parseImage(part, partPath));
    else if (type === "input_audio" && !isObject(part.input_audio)) throw missing(`${partPath}.input_audio`);
    else if (type === "file" && !isObject(part.file)) throw missing(`${partPath}.file`);
  });
  return { text: texts.join("\n"), images };
}

function parseImage(part: JsonObject, path: string): string {
  const image = part.image_url;
  if (!isObject(image)) throw missing(`${path}.image_url`);
  const url = requireString(image, "url", `${path}.image_url`);
  if (!/^(https?:\/\/|data:image\/)/.test(url)) {
    throw badRequest(
      `Invalid 'image_url.url': expected a URL or a base64-encoded data URL.`,
      `${path}.image_url.url`,
      "invalid_value",
    );
  }
  const detail = image.detail;
  if (detail !== undefined && detail !== "auto" && detail !== "low" && detail !== "high") {
    throw invalidValue(`${path}.image_url.detail`, detail, ["auto", "low", "high"]);
  }
  return url;
}

function parseToolCalls(value: unknown, path: string): SimToolCall[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw invalidType(path, "an array", value);
  if (value.length === 0) return undefined;
  return value.map((call: unknown, i) => {
    const callPath = `${path}[${i}]`;
    if (!isObject(call)) throw invalidType(callPath, "an object", call);
    const fn = call.function;
    if (!isObject(fn)) throw missing(`${callPath}.function`);
    return {
      id: requireString(call, "id", callPath),
      name: requireString(fn, "name", `${callPath}.function`),
      arguments: requireString(fn, "arguments", `${callPath}.function`),
    };
  });
}

/** A `tool` message must answer a `tool_calls` entry of an earlier assistant message. */
function checkToolOrder(messages: readonly SimMessage[], param: string): void {
  const open = new Set<string>();
  messages.forEach((message, i) => {
    if (message.role === "assistant") {
      open.clear();
      for (const call of message.toolCalls ?? []) open.add(call.id);
    } else if (message.role === "tool") {
      if (!message.toolCallId || !open.has(message.toolCallId)) {
        const text = `Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.`;
        throw badRequest(text, `${param}.[${i}].role`);
      }
    } else {
      open.clear();
    }
  });
}

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** Chat Completions `tools` (`{type:"function", function:{…}}`); custom tools are accepted, never called. */
export function parseChatTools(value: unknown, param = "tools"): SimTool[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidType(param, "an array", value);
  if (value.length > 128)
    throw badRequest(
      `Invalid '${param}': array too long. Expected an array with maximum length 128.`,
      param,
      "array_above_max_length",
    );
  const tools: SimTool[] = [];
  value.forEach((tool: unknown, i) => {
    const path = `${param}[${i}]`;
    if (!isObject(tool)) throw invalidType(path, "an object", tool);
    if (tool.type === "custom") return;
    if (tool.type !== "function") throw invalidValue(`${path}.type`, tool.type, ["function", "custom"]);
    const fn = tool.function;
    if (!isObject(fn)) throw missing(`${path}.function`);
    tools.push(parseFunction(fn, `${path}.function`));
  });
  return tools;
}

export function parseFunction(fn: JsonObject, path: string): SimTool {
  const name = requireString(fn, "name", path);
  if (!TOOL_NAME.test(name)) {
    throw badRequest(
      `Invalid '${path}.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`,
      `${path}.name`,
      "invalid_value",
    );
  }
  const parameters = fn.parameters;
  if (parameters !== undefined && parameters !== null && !isObject(parameters)) {
    throw invalidType(`${path}.parameters`, "an object", parameters);
  }
  const description = typeof fn.description === "string" ? fn.description : "";
  return { name, description, parameters: parameters ?? { type: "object", properties: {} } };
}

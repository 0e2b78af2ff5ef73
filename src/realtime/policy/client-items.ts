/**
 * What an end user may put into the conversation itself: the items of `conversation.item.create`
 * and `response.create`'s `response.input`, and the items `conversation.item.retrieve`, `.delete`
 * and `.truncate` name.
 *
 * - A server-side tool's call and its output come only from the gateway. A client `function_call`
 *   naming one of the tenant's tools, a `function_call_output` or `item_reference` for one of its
 *   calls, or reading, deleting or truncating one of their items is refused: otherwise a client could
 *   forge a tool's result, answer a real call before the tool does, or read what the tool returned
 *   (the tenant's data, which the gateway keeps from clients).
 * - When the tenant enforces instructions, a client `system` message is refused: it would be a second
 *   set of instructions the tenant did not write, at the same rank as its own.
 * - Audio in items (`input_audio` parts) is counted toward the user's daily audio quota, as appended
 *   audio is.
 */
import { base64StringBytes } from "../relay/frame";
import type { PolicyViolation } from "./enforce-session-config";
import type { RealtimePolicy } from "./realtime-policy";

type Json = Record<string, unknown>;

/** What the session knows of its server-side tool calls (`ServerToolRunner` implements it). */
export interface ServerCalls {
  /** A `call_id` of a server-side tool call of this session. */
  isServerCall(callId: string): boolean;
  /** An item id of a server-side tool call or of its output. */
  isServerItemId(itemId: string): boolean;
}

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function serverItem(id: string, param: string): PolicyViolation {
  return {
    code: "server_tool_item_not_allowed",
    message: `The item '${id}' belongs to a server-side tool call, which the gateway runs and keeps from clients.`,
    param,
  };
}

function checkItem(
  policy: RealtimePolicy,
  calls: ServerCalls,
  item: unknown,
  param: string,
): PolicyViolation | null {
  if (!isObject(item)) return null;
  const callId = typeof item.call_id === "string" ? item.call_id : null;
  if (item.type === "function_call" && policy.tools.some((tool) => tool.name === item.name)) {
    return {
      code: "server_tool_item_not_allowed",
      message: `'${String(item.name)}' is one of the tenant's server-side tools: only the gateway may add its calls to the conversation.`,
      param: `${param}.name`,
    };
  }
  if (item.type === "function_call_output" && callId !== null && calls.isServerCall(callId)) {
    return {
      code: "server_tool_item_not_allowed",
      message: `The call '${callId}' is a server-side tool call: its output comes from the gateway, not from the client.`,
      param: `${param}.call_id`,
    };
  }
  if (item.type === "item_reference" && typeof item.id === "string" && calls.isServerItemId(item.id)) {
    return serverItem(item.id, `${param}.id`);
  }
  if (item.type === "message" && item.role === "system" && policy.instructions !== null) {
    return {
      code: "system_message_not_allowed",
      message:
        "The tenant enforces this session's instructions: a client may not add system messages. Send the text as a user message, or as instructions, which follow the tenant's.",
      param: `${param}.role`,
    };
  }
  return null;
}

/** The items a client event adds to the conversation, and where they are in it (for `param`). */
function itemsOf(type: string, event: Json): { items: unknown[]; param: string } | null {
  if (type === "conversation.item.create") return { items: [event.item], param: "item" };
  if (type === "response.create" && isObject(event.response) && Array.isArray(event.response.input)) {
    return { items: event.response.input, param: "response.input" };
  }
  return null;
}

/** Client events that name an existing item by `item_id`. */
const ITEM_ID_EVENTS = new Set([
  "conversation.item.retrieve",
  "conversation.item.delete",
  "conversation.item.truncate",
]);

/** Checks the items a client event adds or names; the violation that makes the gateway refuse it. */
export function checkClientItems(
  policy: RealtimePolicy,
  calls: ServerCalls,
  type: string,
  event: Json,
): PolicyViolation | null {
  if (ITEM_ID_EVENTS.has(type)) {
    const id = event.item_id;
    return typeof id === "string" && calls.isServerItemId(id) ? serverItem(id, "item_id") : null;
  }
  const added = itemsOf(type, event);
  if (!added) return null;
  for (const [index, item] of added.items.entries()) {
    const at = added.param === "item" ? "item" : `${added.param}[${index}]`;
    const violation = checkItem(policy, calls, item, at);
    if (violation) return violation;
  }
  return null;
}

/** Bytes of input audio (decoded) in the items a client event adds: counted like appended audio. */
export function itemAudioBytes(type: string, event: Json): number {
  const added = itemsOf(type, event);
  if (!added) return 0;
  let bytes = 0;
  for (const item of added.items) {
    if (!isObject(item) || !Array.isArray(item.content)) continue;
    for (const part of item.content) {
      if (isObject(part) && part.type === "input_audio") bytes += base64StringBytes(part.audio);
    }
  }
  return bytes;
}

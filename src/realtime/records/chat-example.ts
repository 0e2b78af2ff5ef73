/**
 * A finished Realtime session as a chat example for a dataset: its instructions as the system
 * message, then user and assistant turns (typed text or transcripts) and function calls with their
 * outputs, in conversation order.
 * @see docs/openai-reference.md D.4
 */

import { getSessionDetail, type ItemRow, type SessionDetail } from "./sessions-repository";
import type { RecordStores } from "./transcript-archive";

export interface ChatToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export type ChatMessage =
  | { role: "system" | "user"; content: string }
  | { role: "assistant"; content: string }
  | { role: "assistant"; content: null; tool_calls: ChatToolCall[] }
  | { role: "tool"; tool_call_id: string; content: string };

export interface ChatExample {
  messages: ChatMessage[];
}

function appendItem(messages: ChatMessage[], item: ItemRow): void {
  if (item.type === "message" && item.text) {
    const role = item.role === "assistant" ? "assistant" : item.role === "system" ? "system" : "user";
    messages.push({ role, content: item.text });
  } else if (item.type === "function_call" && item.call_id && item.name) {
    const call: ChatToolCall = {
      id: item.call_id,
      type: "function",
      function: { name: item.name, arguments: item.arguments ?? "{}" },
    };
    const last = messages[messages.length - 1];
    // Parallel calls of one response belong to one assistant message.
    if (last?.role === "assistant" && "tool_calls" in last) last.tool_calls.push(call);
    else messages.push({ role: "assistant", content: null, tool_calls: [call] });
  } else if (item.type === "function_call_output" && item.call_id) {
    messages.push({ role: "tool", tool_call_id: item.call_id, content: item.output ?? "" });
  }
}

/** The chat example of a recorded session (messages without text, such as untranscribed audio, are left out). */
export function sessionToChatExample(detail: Pick<SessionDetail, "session" | "items">): ChatExample {
  const messages: ChatMessage[] = [];
  if (detail.session.instructions) messages.push({ role: "system", content: detail.session.instructions });
  for (const item of [...detail.items].sort((a, b) => a.ordinal - b.ordinal)) appendItem(messages, item);
  return { messages };
}

/**
 * Loads one session of a tenant (from D1, or its archived transcript in R2) and turns it into a chat example; null when the tenant
 * has no such session.
 */
export async function loadRealtimeChatExample(
  stores: RecordStores,
  tenantId: string,
  sessionId: string,
): Promise<ChatExample | null> {
  const detail = await getSessionDetail(stores, tenantId, sessionId);
  return detail ? sessionToChatExample(detail) : null;
}

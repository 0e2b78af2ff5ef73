/**
 * Streams a finished Response as the Responses API's semantic events: response.created,
 * response.in_progress (background: response.created `queued`, response.queued, then
 * response.in_progress), then per output item output_item.added → content_part.added →
 * output_text.delta ×N → output_text.done → content_part.done → output_item.done (function calls use
 * function_call_arguments.delta/done), and response.completed (or response.incomplete).
 * @see https://platform.openai.com/docs/api-reference/responses-streaming
 */
import type { ResponseOutputItem, ResponseOutputMessage } from "openai/resources/responses/responses";
import type { SseEvent } from "./http";
import type { WireResponse } from "./responses";
import { splitPieces } from "./text";

type Emit = (type: string, payload: Record<string, unknown>) => void;

function inProgress(item: ResponseOutputItem): ResponseOutputItem {
  if (item.type === "message") return { ...item, status: "in_progress", content: [] };
  if (item.type === "function_call") return { ...item, status: "in_progress", arguments: "" };
  return item;
}

function messageEvents(emit: Emit, item: ResponseOutputMessage, outputIndex: number): void {
  item.content.forEach((part, contentIndex) => {
    const at = { item_id: item.id, output_index: outputIndex, content_index: contentIndex };
    if (part.type === "refusal") {
      emit("response.content_part.added", { ...at, part: { type: "refusal", refusal: "" } });
      for (const delta of splitPieces(part.refusal)) emit("response.refusal.delta", { ...at, delta });
      emit("response.refusal.done", { ...at, refusal: part.refusal });
    } else {
      emit("response.content_part.added", {
        ...at,
        part: { type: "output_text", text: "", annotations: [], logprobs: [] },
      });
      for (const delta of splitPieces(part.text))
        emit("response.output_text.delta", { ...at, delta, logprobs: [] });
      emit("response.output_text.done", { ...at, text: part.text, logprobs: [] });
    }
    emit("response.content_part.done", { ...at, part });
  });
}

export function responseEvents(response: WireResponse): SseEvent[] {
  const events: SseEvent[] = [];
  let sequence = 0;
  const emit: Emit = (type, payload) => {
    events.push({ event: type, data: JSON.stringify({ type, sequence_number: sequence++, ...payload }) });
  };
  const pending = { ...response, output: [], usage: null, incomplete_details: null };
  const inProgressResponse = { ...pending, status: "in_progress" as const };
  if (response.background) {
    // A background response is created `queued` and says so before it starts.
    const queued = { ...pending, status: "queued" as const };
    emit("response.created", { response: queued });
    emit("response.queued", { response: queued });
  } else emit("response.created", { response: inProgressResponse });
  emit("response.in_progress", { response: inProgressResponse });
  response.output.forEach((item, outputIndex) => {
    emit("response.output_item.added", { output_index: outputIndex, item: inProgress(item) });
    if (item.type === "message") messageEvents(emit, item, outputIndex);
    if (item.type === "function_call") {
      const at = { item_id: item.id, output_index: outputIndex };
      for (const delta of splitPieces(item.arguments))
        emit("response.function_call_arguments.delta", { ...at, delta });
      emit("response.function_call_arguments.done", { ...at, name: item.name, arguments: item.arguments });
    }
    emit("response.output_item.done", { output_index: outputIndex, item });
  });
  emit(response.status === "incomplete" ? "response.incomplete" : "response.completed", { response });
  return events;
}

import type { Response as OpenAIResponse, ResponseStreamEvent } from "openai/resources/responses/responses";
import { formatSse } from "./sse";

type Item = OpenAIResponse["output"][number];

/**
 * Replays a finished Responses API object as the event stream the provider sends: created,
 * in_progress, per output item (text parts as one delta each, function-call arguments), completed.
 * @see https://platform.openai.com/docs/api-reference/responses-streaming
 */
export function responseToSse(response: OpenAIResponse): string[] {
  const out: string[] = [];
  let seq = 0;
  const emit = (event: Record<string, unknown> & { type: ResponseStreamEvent["type"] }) =>
    void out.push(formatSse(JSON.stringify({ ...event, sequence_number: seq++ }), event.type));
  const pending = { ...response, status: "in_progress" as const, output: [], usage: undefined };
  emit({ type: "response.created", response: pending });
  emit({ type: "response.in_progress", response: pending });
  for (const [outputIndex, item] of response.output.entries()) itemEvents(item, outputIndex, emit);
  emit({ type: "response.completed", response });
  return out;
}

function itemEvents(
  item: Item,
  output_index: number,
  emit: (event: Record<string, unknown> & { type: ResponseStreamEvent["type"] }) => void,
): void {
  if (item.type === "message") {
    emit({
      type: "response.output_item.added",
      output_index,
      item: { ...item, status: "in_progress", content: [] },
    });
    item.content.forEach((part, content_index) => {
      const ids = { item_id: item.id, output_index, content_index };
      emit({ type: "response.content_part.added", ...ids, part: emptyPart(part) });
      if (part.type === "output_text") {
        emit({ type: "response.output_text.delta", ...ids, delta: part.text, logprobs: [] });
        emit({ type: "response.output_text.done", ...ids, text: part.text, logprobs: [] });
      } else {
        emit({ type: "response.refusal.delta", ...ids, delta: part.refusal });
        emit({ type: "response.refusal.done", ...ids, refusal: part.refusal });
      }
      emit({ type: "response.content_part.done", ...ids, part });
    });
  } else if (item.type === "function_call") {
    emit({
      type: "response.output_item.added",
      output_index,
      item: { ...item, status: "in_progress", arguments: "" },
    });
    const ids = { item_id: item.id, output_index };
    emit({ type: "response.function_call_arguments.delta", ...ids, delta: item.arguments });
    emit({
      type: "response.function_call_arguments.done",
      ...ids,
      arguments: item.arguments,
      name: item.name,
    });
  } else {
    emit({ type: "response.output_item.added", output_index, item });
  }
  emit({ type: "response.output_item.done", output_index, item });
}

function emptyPart(part: Extract<Item, { type: "message" }>["content"][number]) {
  return part.type === "output_text" ? { ...part, text: "" } : { ...part, refusal: "" };
}

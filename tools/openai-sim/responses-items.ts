/**
 * The input items of a response as `GET /v1/responses/{id}/input_items` lists them: each item of the
 * request's `input` with an id (a string input is one user message), newest first by default.
 * @see https://platform.openai.com/docs/api-reference/responses/input-items
 */
import type {
  ResponseFunctionToolCallItem,
  ResponseFunctionToolCallOutputItem,
  ResponseInputMessageContentList,
  ResponseInputMessageItem,
  ResponseItem,
  ResponseOutputMessage,
} from "openai/resources/responses/responses";
import { isObject, type JsonObject, SimError } from "./errors";
import { type Page, paginate } from "./http";
import { randomHexId } from "./text";

function messageItem(item: JsonObject): ResponseItem {
  const role = String(item.role ?? "user");
  const content: ResponseInputMessageContentList =
    typeof item.content === "string"
      ? [{ type: "input_text", text: item.content }]
      : ((item.content ?? []) as ResponseInputMessageContentList);
  if (role === "assistant") {
    const message: ResponseOutputMessage = {
      id: typeof item.id === "string" ? item.id : randomHexId("msg_", 48),
      type: "message",
      role: "assistant",
      status: "completed",
      content: content.map((part) =>
        part.type === "input_text" ? { type: "output_text", text: part.text, annotations: [] } : part,
      ) as ResponseOutputMessage["content"],
    };
    return message;
  }
  const message: ResponseInputMessageItem = {
    id: typeof item.id === "string" ? item.id : randomHexId("msg_", 48),
    type: "message",
    role: role as ResponseInputMessageItem["role"],
    status: "completed",
    content,
  };
  return message;
}

function itemOf(item: JsonObject): ResponseItem {
  if (item.type === "function_call") {
    const call: ResponseFunctionToolCallItem = {
      id: typeof item.id === "string" ? item.id : randomHexId("fc_", 48),
      type: "function_call",
      status: "completed",
      call_id: String(item.call_id),
      name: String(item.name),
      arguments: String(item.arguments),
    };
    return call;
  }
  if (item.type === "function_call_output") {
    const output: ResponseFunctionToolCallOutputItem = {
      id: typeof item.id === "string" ? item.id : randomHexId("fco_", 48),
      type: "function_call_output",
      status: "completed",
      call_id: String(item.call_id),
      output: (item.output ?? "") as ResponseFunctionToolCallOutputItem["output"],
    };
    return output;
  }
  return messageItem(item);
}

/** The request's `input` (already validated by `parseInput`) as stored response items. */
export function inputItemsOf(input: unknown): ResponseItem[] {
  if (typeof input === "string") return [messageItem({ role: "user", content: input })];
  if (!Array.isArray(input)) return [];
  return input.filter(isObject).map(itemOf);
}

/** One page of input items: `order` (default `desc`), `after`, `limit` 1–100 (default 20). */
export function pageInputItems(items: readonly ResponseItem[], query: URLSearchParams): Page<ResponseItem> {
  const order = query.get("order") ?? "desc";
  if (order !== "asc" && order !== "desc") {
    const message = `Invalid value: '${order}'. Supported values are: 'asc' and 'desc'.`;
    throw new SimError(400, message, "invalid_request_error", "order", "invalid_value");
  }
  const ordered = order === "asc" ? [...items] : [...items].reverse();
  return paginate(ordered as (ResponseItem & { id: string })[], query, 20, 100);
}

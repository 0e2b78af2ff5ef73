/**
 * OpenAI's cursor-list envelope for the lists the gateway builds itself (stored completions and
 * their messages, files, fine-tuning jobs). The spec types `first_id` and `last_id` as strings, so
 * an empty page has `""` in both rather than `null`.
 * @see https://platform.openai.com/docs/api-reference/chat/list-object
 */
export function listPage<T extends { id: unknown }>(data: T[], hasMore: boolean) {
  return {
    object: "list" as const,
    data,
    first_id: data.length > 0 ? String(data[0]?.id) : "",
    last_id: data.length > 0 ? String(data.at(-1)?.id) : "",
    has_more: hasMore,
  };
}

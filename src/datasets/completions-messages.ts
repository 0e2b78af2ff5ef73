/**
 * A stored completion's request messages as OpenAI's message-list items: the message with its
 * `id`, `content` as text (the text parts joined by newlines when the request sent parts), the
 * `text` and `image_url` parts in `content_parts` (else `null`), and `name` and `refusal` always
 * present (`null` when absent).
 * @see https://platform.openai.com/docs/api-reference/chat/get-messages
 */
type Part = Record<string, unknown> & { type: string };

export type StoredMessage = Record<string, unknown> & {
  id: string;
  role: string;
  content: string | null;
  refusal: string | null;
  name: string | null;
  content_parts: Part[] | null;
};

export function storedMessage(message: Record<string, unknown>, id: string): StoredMessage {
  const parts = Array.isArray(message.content) ? (message.content as Part[]) : null;
  const texts = parts?.flatMap((p) => (p.type === "text" && typeof p.text === "string" ? [p.text] : []));
  return {
    ...message,
    id,
    role: String(message.role),
    content: parts
      ? texts?.length
        ? texts.join("\n")
        : null
      : typeof message.content === "string"
        ? message.content
        : null,
    refusal: typeof message.refusal === "string" ? message.refusal : null,
    name: typeof message.name === "string" ? message.name : null,
    content_parts: parts ? parts.filter((p) => p.type === "text" || p.type === "image_url") : null,
  };
}

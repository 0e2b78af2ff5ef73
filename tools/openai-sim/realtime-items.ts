/**
 * Conversation item client events: `conversation.item.create`, `.retrieve`, `.delete`, `.truncate`.
 * @see https://platform.openai.com/docs/api-reference/realtime-client-events/conversation
 */
import { MS_PER_WORD, pcmDurationMs } from "./realtime-audio";
import type { RealtimeConnection } from "./realtime-connection";
import type { SimError, SimItem } from "./realtime-types";
import { invalidType, isRecord, isSimError, parseItem } from "./realtime-validate";

const VERBS = { retrieve: "retrieving", delete: "deleting", truncate: "truncating" } as const;

function notFound(action: keyof typeof VERBS, itemId: string): SimError {
  const message = `Error ${VERBS[action]} item: the item with id '${itemId}' does not exist.`;
  return { code: `item_${action}_invalid_item_id`, message, param: "item_id" };
}

/** `conversation.item.create` → `conversation.item.added` + `conversation.item.done`. */
export function createItem(conn: RealtimeConnection, event: Record<string, unknown>): SimError | null {
  const previous = event.previous_item_id;
  if (previous !== undefined && previous !== null && typeof previous !== "string") {
    return invalidType("previous_item_id", "a string", previous);
  }
  const parsed = parseItem(event.item);
  if (isSimError(parsed)) return parsed;
  const { item, audio } = parsed;
  if (conn.conversation.get(item.id ?? "")) {
    const message = `Item with id '${item.id}' already exists in the conversation.`;
    return { code: "item_id_already_exists", message, param: "item.id" };
  }
  const placed = conn.conversation.insert(item, previous ?? undefined);
  if (!placed.ok) return { code: "invalid_value", message: placed.message, param: "previous_item_id" };
  if (audio) conn.conversation.setAudio(item.id ?? "", { pcm: audio, ms: pcmDurationMs(audio.length) });
  conn.send({ type: "conversation.item.added", item, previous_item_id: placed.previousItemId });
  conn.send({ type: "conversation.item.done", item, previous_item_id: placed.previousItemId });
  return null;
}

/** A copy of the item with user audio restored as base64 (`.retrieved` carries the full item). */
function withAudio(conn: RealtimeConnection, item: SimItem): SimItem {
  const pcm = conn.conversation.audioOf(item.id)?.pcm;
  if (!pcm || item.type !== "message" || item.role !== "user") return item;
  const content = item.content.map((part) =>
    part.type === "input_audio" ? { ...part, audio: pcm.toString("base64") } : part,
  );
  return { ...item, content };
}

export function retrieveItem(conn: RealtimeConnection, event: Record<string, unknown>): SimError | null {
  const itemId = event.item_id;
  if (typeof itemId !== "string") return invalidType("item_id", "a string", itemId);
  const item = conn.conversation.get(itemId);
  if (!item) return notFound("retrieve", itemId);
  conn.send({ type: "conversation.item.retrieved", item: withAudio(conn, item) });
  return null;
}

export function deleteItem(conn: RealtimeConnection, event: Record<string, unknown>): SimError | null {
  const itemId = event.item_id;
  if (typeof itemId !== "string") return invalidType("item_id", "a string", itemId);
  if (!conn.conversation.delete(itemId)) return notFound("delete", itemId);
  conn.send({ type: "conversation.item.deleted", item_id: itemId });
  return null;
}

/**
 * `conversation.item.truncate`: cuts an assistant audio item at `audio_end_ms` (what the user
 * actually heard); the transcript keeps only the words spoken before that point.
 */
export function truncateItem(conn: RealtimeConnection, event: Record<string, unknown>): SimError | null {
  const itemId = event.item_id;
  if (typeof itemId !== "string") return invalidType("item_id", "a string", itemId);
  const { content_index: contentIndex, audio_end_ms: audioEndMs } = event;
  if (!Number.isInteger(contentIndex)) return invalidType("content_index", "an integer", contentIndex);
  if (!Number.isInteger(audioEndMs) || Number(audioEndMs) < 0) {
    return invalidType("audio_end_ms", "a non-negative integer", audioEndMs);
  }
  const item = conn.conversation.get(itemId);
  const audio = conn.conversation.audioOf(itemId);
  const part =
    item?.type === "message" && item.role === "assistant" ? item.content[Number(contentIndex)] : undefined;
  if (!item || !audio || !isRecord(part) || part.type !== "output_audio") {
    const message = `Only assistant messages with audio can be truncated; item '${itemId}' has no audio at content index ${String(contentIndex)}.`;
    return { code: "item_truncate_invalid_item_id", message, param: "item_id" };
  }
  const endMs = Number(audioEndMs);
  if (endMs > audio.ms) {
    const message = `Audio content of ${Math.round(audio.ms)}ms is already shorter than ${endMs}ms`;
    return { code: "invalid_value", message, param: "audio_end_ms" };
  }
  audio.ms = endMs;
  audio.words = audio.words?.slice(0, Math.floor(endMs / MS_PER_WORD));
  part.transcript = audio.words?.join(" ") ?? "";
  conn.send({
    type: "conversation.item.truncated",
    item_id: itemId,
    content_index: Number(contentIndex),
    audio_end_ms: endMs,
  });
  return null;
}

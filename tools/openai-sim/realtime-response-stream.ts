/**
 * Streams one output item of a simulated response: an assistant message (audio with transcript, or
 * text) or a function call, with a short pause between chunks so `response.cancel` can land.
 * @see https://platform.openai.com/docs/api-reference/realtime-server-events/response/output_audio/delta
 */

import type {
  RealtimeConversationItemAssistantMessage,
  RealtimeConversationItemFunctionCall,
} from "openai/resources/realtime/realtime";
import {
  audioTokens,
  BYTES_PER_MS,
  CHUNK_MS,
  chunkPcm,
  MS_PER_AUDIO_TOKEN,
  MS_PER_WORD,
  synthesizeSpeech,
  textTokens,
} from "./realtime-audio";
import type { RealtimeConnection } from "./realtime-connection";
import type { ResponseRun, ResponseSettings } from "./realtime-response";
import type { SimItem } from "./realtime-types";
import { newId } from "./realtime-types";
import type { TokenCounts } from "./realtime-usage";

export interface StreamResult {
  item: SimItem;
  output: TokenCounts;
  /** Stopped early by `max_output_tokens`. */
  truncated: boolean;
}

interface Ids {
  response_id: string;
  item_id: string;
  output_index: number;
  content_index: number;
}

const ARGUMENT_CHUNK_CHARS = 16;

/** Keeps as many words as fit in `max_output_tokens` (text plus, for audio, 60 ms per word). */
function fitWords(
  words: string[],
  max: number | "inf",
  audio: boolean,
): { words: string[]; truncated: boolean } {
  if (max === "inf") return { words, truncated: false };
  const kept: string[] = [];
  let used = 0;
  for (const word of words) {
    const cost = (word.length + 1) / 4 + (audio ? MS_PER_WORD / MS_PER_AUDIO_TOKEN : 0);
    if (used + cost > max) break;
    used += cost;
    kept.push(word);
  }
  return { words: kept, truncated: kept.length < words.length };
}

/** Adds a new output item to the response (and to the conversation unless out-of-band). */
function openItem(
  conn: RealtimeConnection,
  run: ResponseRun,
  settings: ResponseSettings,
  item: SimItem,
  outputIndex = 0,
): string | null {
  conn.send({ type: "response.output_item.added", response_id: run.id, output_index: outputIndex, item });
  if (!settings.inConversation) return null;
  const placed = conn.conversation.insert(item);
  const previousItemId = placed.ok ? placed.previousItemId : null;
  conn.send({ type: "conversation.item.added", item, previous_item_id: previousItemId });
  return previousItemId;
}

type OutputItem = RealtimeConversationItemAssistantMessage | RealtimeConversationItemFunctionCall;

function closeItem(
  conn: RealtimeConnection,
  run: ResponseRun,
  settings: ResponseSettings,
  item: OutputItem,
  outputIndex = 0,
): void {
  item.status = run.stopped ? "incomplete" : "completed";
  conn.send({ type: "response.output_item.done", response_id: run.id, output_index: outputIndex, item });
  if (settings.inConversation) {
    conn.send({
      type: "conversation.item.done",
      item,
      previous_item_id: conn.conversation.previousOf(item.id),
    });
  }
}

async function streamAudio(conn: RealtimeConnection, run: ResponseRun, ids: Ids, words: string[]) {
  let spoken = 0;
  let ms = 0;
  for (const [index, chunk] of chunkPcm(synthesizeSpeech(words)).entries()) {
    await conn.pause();
    if (run.stopped) break;
    conn.send({ type: "response.output_audio.delta", ...ids, delta: chunk.toString("base64") });
    ms += chunk.length / BYTES_PER_MS;
    const chunkEndMs = (index + 1) * CHUNK_MS;
    for (; spoken < words.length && spoken * MS_PER_WORD < chunkEndMs; spoken++) {
      const delta = spoken === 0 ? (words[spoken] ?? "") : ` ${words[spoken] ?? ""}`;
      conn.send({ type: "response.output_audio_transcript.delta", ...ids, delta });
    }
  }
  return { said: words.slice(0, spoken), ms };
}

async function streamText(conn: RealtimeConnection, run: ResponseRun, ids: Ids, words: string[]) {
  let sent = 0;
  for (; sent < words.length; sent++) {
    await conn.pause();
    if (run.stopped) break;
    conn.send({
      type: "response.output_text.delta",
      ...ids,
      delta: sent === 0 ? (words[0] ?? "") : ` ${words[sent]}`,
    });
  }
  return { said: words.slice(0, sent), ms: 0 };
}

/** An assistant message: audio + transcript deltas (`["audio"]`) or text deltas (`["text"]`). */
export async function streamMessage(
  conn: RealtimeConnection,
  run: ResponseRun,
  settings: ResponseSettings,
  text: string,
): Promise<StreamResult> {
  const audio = settings.modalities[0] === "audio";
  const fitted = fitWords(text.split(" "), settings.maxOutputTokens, audio);
  const item: RealtimeConversationItemAssistantMessage = {
    id: newId("item"),
    object: "realtime.item",
    type: "message",
    status: "in_progress",
    role: "assistant",
    content: [],
  };
  openItem(conn, run, settings, item);
  const ids: Ids = { response_id: run.id, item_id: item.id ?? "", output_index: 0, content_index: 0 };
  conn.send({
    type: "response.content_part.added",
    ...ids,
    part: audio ? { type: "audio", transcript: "" } : { type: "text", text: "" },
  });
  const { said, ms } = audio
    ? await streamAudio(conn, run, ids, fitted.words)
    : await streamText(conn, run, ids, fitted.words);
  const transcript = said.join(" ");
  if (!run.stopped && audio) {
    conn.send({ type: "response.output_audio.done", ...ids });
    conn.send({ type: "response.output_audio_transcript.done", ...ids, transcript });
  } else if (!run.stopped) {
    conn.send({ type: "response.output_text.done", ...ids, text: transcript });
  }
  item.content = [audio ? { type: "output_audio", transcript } : { type: "output_text", text: transcript }];
  conn.send({
    type: "response.content_part.done",
    ...ids,
    part: audio ? { type: "audio", transcript } : { type: "text", text: transcript },
  });
  closeItem(conn, run, settings, item);
  if (audio && settings.inConversation) {
    conn.conversation.setAudio(ids.item_id, { pcm: null, ms, words: said });
    conn.voiceLocked = true;
  }
  const output = { text: textTokens(transcript), audio: audioTokens(ms), image: 0 };
  return { item, output, truncated: fitted.truncated };
}

/**
 * A `function_call` item whose arguments stream as `response.function_call_arguments.delta`; the
 * `outputIndex`-th output of its response (a response may make several calls).
 */
export async function streamFunctionCall(
  conn: RealtimeConnection,
  run: ResponseRun,
  settings: ResponseSettings,
  call: { name: string; arguments: string },
  outputIndex = 0,
): Promise<StreamResult> {
  const callId = newId("call");
  const item: RealtimeConversationItemFunctionCall = {
    id: newId("item"),
    object: "realtime.item",
    type: "function_call",
    status: "in_progress",
    name: call.name,
    call_id: callId,
    arguments: "",
  };
  openItem(conn, run, settings, item, outputIndex);
  const ids = { response_id: run.id, item_id: item.id ?? "", output_index: outputIndex, call_id: callId };
  let sent = 0;
  while (sent < call.arguments.length) {
    await conn.pause();
    if (run.stopped) break;
    const delta = call.arguments.slice(sent, sent + ARGUMENT_CHUNK_CHARS);
    conn.send({ type: "response.function_call_arguments.delta", ...ids, delta });
    sent += delta.length;
  }
  item.arguments = call.arguments.slice(0, sent);
  if (!run.stopped) {
    conn.send({
      type: "response.function_call_arguments.done",
      ...ids,
      name: call.name,
      arguments: item.arguments,
    });
  }
  closeItem(conn, run, settings, item, outputIndex);
  return {
    item,
    output: { text: textTokens(call.name + item.arguments), audio: 0, image: 0 },
    truncated: false,
  };
}

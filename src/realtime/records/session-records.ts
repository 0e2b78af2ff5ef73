/**
 * What a Realtime session leaves behind in D1, as the relay produces it: session start and end,
 * one usage row per `response.done`, and conversation items (messages with text or transcript,
 * function calls and their outputs). The Durable Object queues these and writes them in batches.
 */

export interface UsageCounts {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  input_text_tokens: number;
  input_audio_tokens: number;
  input_image_tokens: number;
  cached_tokens: number;
  cached_text_tokens: number;
  cached_audio_tokens: number;
  cached_image_tokens: number;
  output_text_tokens: number;
  output_audio_tokens: number;
}

export interface ItemRecord {
  kind: "item";
  sessionId: string;
  itemId: string;
  /** Position in the conversation (order of first appearance). */
  ordinal: number;
  type: string;
  role: string | null;
  text: string | null;
  name: string | null;
  callId: string | null;
  arguments: string | null;
  output: string | null;
  serverTool: boolean;
  /** A server-side call that failed (timeout, HTTP error, unreachable): why. Absent in older records. */
  toolError?: string | null;
  /** How long a server-side call took, from the model's arguments to the tool's answer. */
  toolDurationMs?: number | null;
  at: number;
}

export type RealtimeRecord =
  | {
      kind: "session_start";
      id: string;
      tenantId: string;
      userId: string;
      keyId: string;
      model: string;
      /** `transcription` for `?intent=transcription` sessions; absent (realtime) in older records. */
      type?: "realtime" | "transcription";
      startedAt: number;
      instructions: string | null;
      voice: string | null;
    }
  | {
      kind: "session_config";
      id: string;
      instructions: string | null;
      voice: string | null;
      /** The model now in use (absent in older records). */
      model?: string | null;
    }
  | {
      kind: "session_end";
      id: string;
      endedAt: number;
      reason: string;
      inputAudioMs: number;
      outputAudioMs: number;
      reconnects: number;
      toolCalls: number;
    }
  | { kind: "session_abandoned"; id: string; at: number }
  | {
      kind: "usage";
      sessionId: string;
      responseId: string;
      status: string | null;
      at: number;
      usage: UsageCounts;
    }
  | ItemRecord;

const num = (value: unknown): number => (typeof value === "number" && Number.isFinite(value) ? value : 0);
const obj = (value: unknown): Record<string, unknown> =>
  typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};

/**
 * The usage of a `response.done` event's `response.usage`, flattened.
 * @see docs/openai-reference.md A.11
 */
export function usageCounts(usage: unknown): UsageCounts {
  const u = obj(usage);
  const input = obj(u.input_token_details);
  const cached = obj(input.cached_tokens_details);
  const output = obj(u.output_token_details);
  const inputTokens = num(u.input_tokens);
  const outputTokens = num(u.output_tokens);
  return {
    input_tokens: inputTokens,
    output_tokens: outputTokens,
    total_tokens: num(u.total_tokens) || inputTokens + outputTokens,
    input_text_tokens: num(input.text_tokens),
    input_audio_tokens: num(input.audio_tokens),
    input_image_tokens: num(input.image_tokens),
    cached_tokens: num(input.cached_tokens),
    cached_text_tokens: num(cached.text_tokens),
    cached_audio_tokens: num(cached.audio_tokens),
    cached_image_tokens: num(cached.image_tokens),
    output_text_tokens: num(output.text_tokens),
    output_audio_tokens: num(output.audio_tokens),
  };
}

/** The text of a message item: typed text, or the transcript of its audio. */
export function itemText(item: Record<string, unknown>): string | null {
  if (!Array.isArray(item.content)) return null;
  const parts: string[] = [];
  for (const part of item.content) {
    const p = obj(part);
    const text = typeof p.text === "string" ? p.text : typeof p.transcript === "string" ? p.transcript : null;
    if (text) parts.push(text);
  }
  return parts.length > 0 ? parts.join(" ") : null;
}

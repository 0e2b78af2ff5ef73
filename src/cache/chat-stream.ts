import type {
  ChatCompletion,
  ChatCompletionAudio,
  ChatCompletionChunk,
  ChatCompletionMessage,
  ChatCompletionMessageFunctionToolCall,
  ChatCompletionTokenLogprob,
} from "openai/resources/chat/completions";
import { formatSse } from "./sse";

type Choice = ChatCompletion.Choice;
type ToolCall = ChatCompletionMessageFunctionToolCall;
type Logprobs = ChatCompletion.Choice.Logprobs;
/** Delta fields the SDK's chunk type leaves out: audio pieces and web-search annotations. */
type WireDelta = ChatCompletionChunk.Choice.Delta & {
  audio?: Partial<ChatCompletionAudio>;
  annotations?: ChatCompletionMessage.Annotation[];
};
type AssembledChoice = Choice & { message: { tool_calls?: ToolCall[] } };

/** Token lists are appended chunk by chunk: a list is null only while no chunk has carried one. */
function appendTokens(
  into: ChatCompletionTokenLogprob[] | null,
  more: ChatCompletionTokenLogprob[] | null | undefined,
): ChatCompletionTokenLogprob[] | null {
  if (!more) return into;
  return into ? [...into, ...more] : [...more];
}

function appendLogprobs(into: Logprobs | null, more: Logprobs): Logprobs {
  return {
    content: appendTokens(into?.content ?? null, more.content),
    refusal: appendTokens(into?.refusal ?? null, more.refusal),
  };
}

function appendAudio(message: ChatCompletionMessage, piece: Partial<ChatCompletionAudio>): void {
  message.audio ??= { id: "", data: "", transcript: "", expires_at: 0 };
  const audio = message.audio;
  if (piece.id) audio.id = piece.id;
  if (piece.data) audio.data += piece.data;
  if (piece.transcript) audio.transcript += piece.transcript;
  if (piece.expires_at) audio.expires_at = piece.expires_at;
}

/**
 * Builds the whole completion from a streamed answer's chunks, as the SDK's stream helpers would:
 * text, refusal, tool-call fragments, audio and annotations appended in order, every chunk's
 * logprobs appended (never the last chunk's alone), the usage chunk kept.
 */
export class ChatStreamAssembler {
  private head: ChatCompletionChunk | null = null;
  private readonly choices = new Map<number, AssembledChoice>();
  private usage: ChatCompletion["usage"] | undefined;

  add(chunk: ChatCompletionChunk): void {
    this.head ??= chunk;
    if (chunk.usage) this.usage = chunk.usage;
    for (const c of chunk.choices) {
      const choice = this.choiceAt(c.index);
      const d: WireDelta = c.delta;
      if (d.content) choice.message.content = (choice.message.content ?? "") + d.content;
      if (d.refusal) choice.message.refusal = (choice.message.refusal ?? "") + d.refusal;
      for (const t of d.tool_calls ?? []) this.addToolDelta(choice, t);
      if (d.audio) appendAudio(choice.message, d.audio);
      if (d.annotations)
        choice.message.annotations = [...(choice.message.annotations ?? []), ...d.annotations];
      if (c.finish_reason) choice.finish_reason = c.finish_reason;
      if (c.logprobs) choice.logprobs = appendLogprobs(choice.logprobs, c.logprobs);
    }
  }

  private choiceAt(index: number) {
    let choice = this.choices.get(index);
    if (!choice) {
      choice = {
        index,
        // `annotations: []` as in the provider's JSON answer; web-search deltas append to it.
        message: { role: "assistant", content: null, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: null as unknown as Choice["finish_reason"],
      };
      this.choices.set(index, choice);
    }
    return choice;
  }

  private addToolDelta(
    choice: { message: { tool_calls?: ToolCall[] } },
    t: ChatCompletionChunk.Choice.Delta.ToolCall,
  ) {
    choice.message.tool_calls ??= [];
    const calls = choice.message.tool_calls;
    let call = calls[t.index];
    if (!call) {
      call = { id: t.id ?? "", type: "function", function: { name: "", arguments: "" } };
      calls[t.index] = call;
    }
    if (t.id) call.id = t.id;
    if (t.function?.name) call.function.name += t.function.name;
    if (t.function?.arguments) call.function.arguments += t.function.arguments;
  }

  /** The completion, or null when no chunk was seen or a choice never finished. */
  result(): ChatCompletion | null {
    const head = this.head;
    if (!head) return null;
    const choices = [...this.choices.values()].sort((a, b) => a.index - b.index);
    if (choices.length === 0 || choices.some((c) => !c.finish_reason)) return null;
    return {
      id: head.id,
      object: "chat.completion",
      created: head.created,
      model: head.model,
      choices,
      ...(this.usage ? { usage: this.usage } : {}),
      ...(head.system_fingerprint ? { system_fingerprint: head.system_fingerprint } : {}),
      ...(head.service_tier ? { service_tier: head.service_tier } : {}),
    };
  }
}

/** Text pieces of about `size` characters, split after spaces so words stay whole. */
function pieces(text: string, size = 24): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > size) {
    const cut = rest.lastIndexOf(" ", size);
    const at = cut > 0 ? cut + 1 : size;
    out.push(rest.slice(0, at));
    rest = rest.slice(at);
  }
  if (rest) out.push(rest);
  return out;
}

type ChunkChoice = ChatCompletionChunk.Choice;

/** The text of `field` as deltas: one per logprob token when the tokens spell the text, else pieces. */
function textDeltas(
  push: (delta: WireDelta, logprobs?: Logprobs | null) => void,
  field: "content" | "refusal",
  text: string,
  tokens: ChatCompletionTokenLogprob[] | null,
): boolean {
  const only = (list: ChatCompletionTokenLogprob[]): Logprobs =>
    field === "content" ? { content: list, refusal: null } : { content: null, refusal: list };
  if (tokens && tokens.length > 0 && tokens.map((t) => t.token).join("") === text) {
    for (const t of tokens) push({ [field]: t.token }, only([t]));
    return true;
  }
  for (const piece of pieces(text)) push({ [field]: piece });
  if (!tokens) return false;
  // Tokens that do not spell the text (or spell nothing) still travel, in one chunk.
  push({}, only(tokens));
  return true;
}

/** One choice as the chunks the provider streams: role, text with its logprobs, tools, audio, finish. */
function choiceChunks(choice: Choice): ChunkChoice[] {
  const out: ChunkChoice[] = [];
  const push = (
    delta: WireDelta,
    logprobs: Logprobs | null = null,
    finish: Choice["finish_reason"] | null = null,
  ) => out.push({ index: choice.index, delta, logprobs, finish_reason: finish });
  const m = choice.message;
  const lp = choice.logprobs;
  push({ role: "assistant", content: "", refusal: null });
  const sentContent = textDeltas(push, "content", m.content ?? "", lp?.content ?? null);
  const sentRefusal = textDeltas(push, "refusal", m.refusal ?? "", lp?.refusal ?? null);
  if (lp && !sentContent && !sentRefusal) push({}, lp);
  (m.tool_calls ?? []).forEach((call, index) => {
    if (call.type !== "function") return;
    const { name, arguments: args } = call.function;
    push({ tool_calls: [{ index, id: call.id, type: "function", function: { name, arguments: "" } }] });
    for (const piece of pieces(args, 32)) push({ tool_calls: [{ index, function: { arguments: piece } }] });
  });
  if (m.audio) push({ audio: { ...m.audio } });
  if (m.annotations && m.annotations.length > 0) push({ annotations: m.annotations });
  push({}, null, choice.finish_reason);
  return out;
}

/**
 * Replays a completion as the SSE chunks the provider would have sent: role, content or refusal
 * (one chunk per token with its logprobs when logprobs were asked for, else pieces), tool-call
 * fragments, audio, the finish chunk, the usage chunk when asked for, then `[DONE]`.
 * @see docs/openai-reference.md C.2
 */
export function chatCompletionToSse(completion: ChatCompletion, includeUsage: boolean): string[] {
  const base = {
    id: completion.id,
    object: "chat.completion.chunk" as const,
    created: completion.created,
    model: completion.model,
    system_fingerprint: completion.system_fingerprint ?? null,
    ...(completion.service_tier ? { service_tier: completion.service_tier } : {}),
  };
  const out: string[] = [];
  const emit = (choices: ChunkChoice[], usage: ChatCompletion["usage"] | null = null) =>
    out.push(formatSse(JSON.stringify({ ...base, choices, ...(includeUsage ? { usage } : {}) })));
  for (const choice of completion.choices) for (const chunk of choiceChunks(choice)) emit([chunk]);
  if (includeUsage && completion.usage) emit([], completion.usage);
  out.push("data: [DONE]\n\n");
  return out;
}

import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionMessageFunctionToolCall,
} from "openai/resources/chat/completions";
import { formatSse } from "./sse";

type Choice = ChatCompletion.Choice;
type ToolCall = ChatCompletionMessageFunctionToolCall;

/** Builds the whole completion from a streamed answer's chunks, as the SDK's stream helpers would. */
export class ChatStreamAssembler {
  private head: ChatCompletionChunk | null = null;
  private readonly choices = new Map<number, Choice & { message: { tool_calls?: ToolCall[] } }>();
  private usage: ChatCompletion["usage"] | undefined;

  add(chunk: ChatCompletionChunk): void {
    this.head ??= chunk;
    if (chunk.usage) this.usage = chunk.usage;
    for (const c of chunk.choices) {
      const choice = this.choiceAt(c.index);
      const d = c.delta;
      if (d.content) choice.message.content = (choice.message.content ?? "") + d.content;
      if (d.refusal) choice.message.refusal = (choice.message.refusal ?? "") + d.refusal;
      for (const t of d.tool_calls ?? []) this.addToolDelta(choice, t);
      if (c.finish_reason) choice.finish_reason = c.finish_reason;
      if (c.logprobs) choice.logprobs = c.logprobs;
    }
  }

  private choiceAt(index: number) {
    let choice = this.choices.get(index);
    if (!choice) {
      choice = {
        index,
        message: { role: "assistant", content: null, refusal: null },
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

/**
 * Replays a completion as the SSE chunks the provider would have sent: role, content or refusal
 * pieces, tool-call fragments, the finish chunk, the usage chunk when asked for, then `[DONE]`.
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
  const emit = (choices: ChatCompletionChunk.Choice[], usage: ChatCompletion["usage"] | null = null) =>
    out.push(formatSse(JSON.stringify({ ...base, choices, ...(includeUsage ? { usage } : {}) })));
  for (const choice of completion.choices) {
    const m = choice.message;
    const delta = (d: ChatCompletionChunk.Choice.Delta, finish: Choice["finish_reason"] | null = null) =>
      emit([{ index: choice.index, delta: d, logprobs: null, finish_reason: finish }]);
    delta({ role: "assistant", content: "", refusal: null });
    for (const piece of pieces(m.content ?? "")) delta({ content: piece });
    for (const piece of pieces(m.refusal ?? "")) delta({ refusal: piece });
    (m.tool_calls ?? []).forEach((call, index) => {
      if (call.type !== "function") return;
      const { name, arguments: args } = call.function;
      delta({ tool_calls: [{ index, id: call.id, type: "function", function: { name, arguments: "" } }] });
      for (const piece of pieces(args, 32))
        delta({ tool_calls: [{ index, function: { arguments: piece } }] });
    });
    delta({}, choice.finish_reason);
  }
  if (includeUsage && completion.usage) emit([], completion.usage);
  out.push("data: [DONE]\n\n");
  return out;
}

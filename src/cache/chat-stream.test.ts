import fc from "fast-check";
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionTokenLogprob,
} from "openai/resources/chat/completions";
import { describe, expect, it } from "vitest";
import { ChatStreamAssembler, chatCompletionToSse } from "./chat-stream";
import { SseParser } from "./sse";

const token: fc.Arbitrary<ChatCompletionTokenLogprob> = fc
  .record({
    token: fc.string({ minLength: 1, maxLength: 6 }),
    logprob: fc.integer({ min: -2000, max: -1 }).map((n) => n / 100),
  })
  .map((t) => ({
    ...t,
    bytes: [...new TextEncoder().encode(t.token)],
    top_logprobs: [{ token: t.token, logprob: t.logprob, bytes: null }],
  }));

const toolCall = fc.record({
  id: fc.string({ minLength: 1, maxLength: 8 }).map((s) => `call_${s}`),
  type: fc.constant("function" as const),
  function: fc.record({ name: fc.stringMatching(/^[a-z_]{1,12}$/), arguments: fc.json() }),
});

/** One choice of a JSON answer: text (or a refusal) with or without logprobs, or tool calls. */
const choice = (index: number): fc.Arbitrary<ChatCompletion.Choice> =>
  fc
    .record({
      kind: fc.constantFrom("content", "refusal", "tools"),
      tokens: fc.array(token, { minLength: 1, maxLength: 40 }),
      logprobs: fc.boolean(),
      calls: fc.array(toolCall, { minLength: 1, maxLength: 3 }),
      finish: fc.constantFrom("stop" as const, "length" as const),
    })
    .map(({ kind, tokens, logprobs, calls, finish }) => {
      const text = tokens.map((t) => t.token).join("");
      if (kind === "tools") {
        return {
          index,
          message: { role: "assistant", content: null, refusal: null, annotations: [], tool_calls: calls },
          logprobs: null,
          finish_reason: "tool_calls",
        };
      }
      const refusal = kind === "refusal";
      return {
        index,
        message: {
          role: "assistant",
          content: refusal ? null : text,
          refusal: refusal ? text : null,
          annotations: [],
        },
        logprobs: logprobs ? { content: refusal ? null : tokens, refusal: refusal ? tokens : null } : null,
        finish_reason: finish,
      };
    });

const completion: fc.Arbitrary<ChatCompletion> = fc
  .record({
    choices: fc.integer({ min: 1, max: 2 }).chain((n) => fc.tuple(...[...Array(n).keys()].map(choice))),
    usage: fc.option(
      fc.record({
        prompt_tokens: fc.nat(1000),
        completion_tokens: fc.nat(1000),
        total_tokens: fc.nat(2000),
        prompt_tokens_details: fc.record({ cached_tokens: fc.nat(1000), audio_tokens: fc.nat(10) }),
        completion_tokens_details: fc.record({ reasoning_tokens: fc.nat(1000), audio_tokens: fc.nat(10) }),
      }),
      { nil: undefined },
    ),
  })
  .map(({ choices, usage }) => ({
    id: "chatcmpl-prop",
    object: "chat.completion",
    created: 1_700_000_000,
    model: "gpt-4o-mini",
    choices,
    ...(usage ? { usage } : {}),
    system_fingerprint: "fp_prop",
  }));

/** Random cut points: the lengths of consecutive groups covering `n` items. */
const cuts = (n: number, seed: number): number[] => {
  const out: number[] = [];
  let left = n;
  let s = seed;
  while (left > 0) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const size = 1 + (s % Math.min(left, 7));
    out.push(size);
    left -= size;
  }
  return out;
};

/** The answer as a provider could stream it, cut at random: tokens (with their logprobs) grouped into chunks. */
function providerChunks(answer: ChatCompletion, seed: number): ChatCompletionChunk[] {
  const base = {
    id: answer.id,
    object: "chat.completion.chunk" as const,
    created: answer.created,
    model: answer.model,
    system_fingerprint: answer.system_fingerprint,
  };
  const chunks: ChatCompletionChunk[] = [];
  const push = (c: ChatCompletionChunk.Choice) => chunks.push({ ...base, choices: [c] });
  for (const ch of answer.choices) {
    const at = { index: ch.index, finish_reason: null };
    push({ ...at, delta: { role: "assistant", content: "" }, logprobs: null });
    for (const field of ["content", "refusal"] as const) {
      const text = ch.message[field];
      if (!text) continue;
      const tokens = ch.logprobs?.[field] ?? null;
      if (tokens) {
        let i = 0;
        for (const size of cuts(tokens.length, seed)) {
          const group = tokens.slice(i, i + size);
          i += size;
          const logprobs =
            field === "content" ? { content: group, refusal: null } : { content: null, refusal: group };
          push({ ...at, delta: { [field]: group.map((t) => t.token).join("") }, logprobs });
        }
      } else {
        let i = 0;
        for (const size of cuts(text.length, seed)) {
          push({ ...at, delta: { [field]: text.slice(i, i + size) }, logprobs: null });
          i += size;
        }
      }
    }
    (ch.message.tool_calls ?? []).forEach((call, index) => {
      if (call.type !== "function") return;
      const args = call.function.arguments;
      push({
        ...at,
        delta: {
          tool_calls: [{ index, id: call.id, type: "function", function: { name: call.function.name } }],
        },
      });
      let i = 0;
      for (const size of cuts(args.length, seed + index)) {
        push({ ...at, delta: { tool_calls: [{ index, function: { arguments: args.slice(i, i + size) } }] } });
        i += size;
      }
    });
    push({ index: ch.index, delta: {}, logprobs: null, finish_reason: ch.finish_reason });
  }
  if (answer.usage) chunks.push({ ...base, choices: [], usage: answer.usage });
  return chunks;
}

function assemble(chunks: readonly ChatCompletionChunk[]): ChatCompletion | null {
  const assembler = new ChatStreamAssembler();
  for (const chunk of chunks) assembler.add(chunk);
  return assembler.result();
}

describe("ChatStreamAssembler", () => {
  it("assembles any chunking of a stream to the JSON answer: logprobs, refusals, tool calls, usage", () => {
    fc.assert(
      fc.property(completion, fc.nat(), (answer, seed) => {
        expect(assemble(providerChunks(answer, seed))).toEqual(answer);
      }),
      { numRuns: 300 },
    );
  });

  it("keeps every logprob of a streamed answer, not the last chunk's (39 tokens in 13 chunks)", () => {
    const tokens = [...Array(39).keys()].map((i) => ({
      token: `t${i} `,
      logprob: -0.5,
      bytes: null,
      top_logprobs: [],
    }));
    const answer: ChatCompletion = {
      id: "chatcmpl-39",
      object: "chat.completion",
      created: 1,
      model: "gpt-4o-mini",
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: tokens.map((t) => t.token).join(""),
            refusal: null,
            annotations: [],
          },
          logprobs: { content: tokens, refusal: null },
          finish_reason: "stop",
        },
      ],
    };
    const assembled = assemble(providerChunks(answer, 3));
    expect(assembled?.choices[0]?.logprobs?.content).toHaveLength(39);
  });
});

describe("audio", () => {
  it("joins streamed audio data and transcript, and replays them", () => {
    const base = {
      id: "chatcmpl-a",
      object: "chat.completion.chunk" as const,
      created: 1,
      model: "gpt-4o-audio-preview",
    };
    // The SDK's chunk type has no `delta.audio`, though audio models stream it.
    const piece = (audio: object, finish: "stop" | null = null): ChatCompletionChunk => ({
      ...base,
      choices: [
        {
          index: 0,
          delta: { audio } as ChatCompletionChunk.Choice.Delta,
          logprobs: null,
          finish_reason: finish,
        },
      ],
    });
    const assembled = assemble([
      piece({ id: "audio_1", data: "AAA", transcript: "Hel", expires_at: 99 }),
      piece({ data: "BBB", transcript: "lo" }),
      piece({}, "stop"),
    ]);
    const audio = { id: "audio_1", data: "AAABBB", transcript: "Hello", expires_at: 99 };
    expect(assembled?.choices[0]?.message.audio).toEqual(audio);
    const parser = new SseParser();
    const replayed = chatCompletionToSse(assembled as ChatCompletion, false)
      .flatMap((frame) => parser.push(frame))
      .filter((e) => e.data !== "[DONE]")
      .map((e) => JSON.parse(e.data) as ChatCompletionChunk);
    expect(assemble(replayed)?.choices[0]?.message.audio).toEqual(audio);
  });
});

describe("chatCompletionToSse", () => {
  it("replays a stored answer as chunks that assemble back to it, logprobs included", () => {
    fc.assert(
      fc.property(completion, (answer) => {
        const parser = new SseParser();
        const chunks = chatCompletionToSse(answer, true)
          .flatMap((frame) => parser.push(frame))
          .filter((e) => e.data !== "[DONE]")
          .map((e) => JSON.parse(e.data) as ChatCompletionChunk);
        expect(assemble(chunks)).toEqual(answer);
      }),
      { numRuns: 200 },
    );
  });
});

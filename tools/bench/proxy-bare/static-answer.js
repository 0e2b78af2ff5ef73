/**
 * The answer of `POST /static/v1/chat/completions`: a chat completion of the size the gateway's cached
 * one has, answered from memory after the body is read. What a cache HIT costs at the least: the same
 * SDK call, with no lookup, check or accounting. The `phases` suite's upstream answers it too. In a
 * module of its own: a Worker's entry module may export only handlers and classes (workerd refuses to
 * start one that exports a string).
 */
export const STATIC_ANSWER = JSON.stringify({
  id: "chatcmpl-bare",
  object: "chat.completion",
  created: 1_764_633_600,
  model: "gpt-4o-mini-2024-07-18",
  choices: [
    {
      index: 0,
      message: {
        role: "assistant",
        content: "Simulated answer to your question, the same length as the cache's own.",
        refusal: null,
        annotations: [],
      },
      logprobs: null,
      finish_reason: "stop",
    },
  ],
  usage: {
    prompt_tokens: 12,
    completion_tokens: 14,
    total_tokens: 26,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
  },
  service_tier: "default",
  system_fingerprint: "fp_bare",
});

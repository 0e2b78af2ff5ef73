/**
 * Bench only, never deployed: the barest pass-through Worker, for the `proxy` benchmark's floor. It
 * runs in the gateway's place with the gateway's wrangler.toml (same bindings, same assets in front,
 * same Durable Object classes exported), and does nothing but relay `/v1/*` to the upstream with the
 * operator's key and answer `/healthz` with a small JSON body: what is left is workerd's own cost.
 */
export {
  CaptureBuffer,
  Coalescer,
  EvalRunner,
  RateLimiter,
  RealtimeSession,
  SemanticIndex,
  TenantBudget,
  VisionValidatorObject,
} from "../../../src/index";

/**
 * The answer of `POST /static/v1/chat/completions`: a chat completion of the size the gateway's cached
 * one has, answered from memory after the body is read. What a cache HIT costs at the least: the same
 * SDK call, with no lookup, check or accounting. The `phases` suite's upstream answers it too.
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

/**
 * The upstream's body read chunk by chunk in JavaScript and passed on unchanged: what any Worker that
 * must see a stream's events before the client does (the gateway keeps the answer, ends a cut stream
 * with an error event, drops the usage chunk it asked for) pays over the runtime's own pipe.
 */
function readInJs(body) {
  const reader = body.getReader();
  return new ReadableStream({
    async pull(controller) {
      const next = await reader.read();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/healthz") return Response.json({ ok: true, version: "bare" });
    if (url.pathname === "/static/v1/chat/completions") {
      await request.arrayBuffer();
      return new Response(STATIC_ANSWER, { headers: { "content-type": "application/json" } });
    }
    // `/piped/v1/…`: the same relay with the answer read in JavaScript (`readInJs`).
    const piped = url.pathname.startsWith("/piped/v1/");
    const path = piped ? url.pathname.slice("/piped".length) : url.pathname;
    if (!path.startsWith("/v1/")) return new Response("not found", { status: 404 });
    const headers = new Headers(request.headers);
    headers.set("authorization", `Bearer ${env.OPENAI_API_KEY}`);
    const upstream = await fetch(`${env.OPENAI_BASE_URL}${path.slice(3)}${url.search}`, {
      method: request.method,
      headers,
      body: request.method === "GET" ? null : await request.arrayBuffer(),
    });
    return new Response(piped && upstream.body ? readInJs(upstream.body) : upstream.body, upstream);
  },
};

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

import { STATIC_ANSWER } from "./static-answer.js";

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

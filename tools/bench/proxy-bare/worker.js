/**
 * Bench only, never deployed: the barest pass-through Worker, for the `proxy` benchmark's floor. It
 * runs in the gateway's place with the gateway's wrangler.toml (same bindings, same assets in front,
 * same Durable Object classes exported), and does nothing but relay `/v1/*` to the upstream with the
 * operator's key and answer `/healthz` with a small JSON body: what is left is workerd's own cost.
 */
export {
  Coalescer,
  EvalRunner,
  RateLimiter,
  RealtimeSession,
  SemanticIndex,
  TenantBudget,
  VisionValidatorObject,
} from "../../../src/index";

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/healthz") return Response.json({ ok: true, version: "bare" });
    if (!url.pathname.startsWith("/v1/")) return new Response("not found", { status: 404 });
    const headers = new Headers(request.headers);
    headers.set("authorization", `Bearer ${env.OPENAI_API_KEY}`);
    const upstream = await fetch(`${env.OPENAI_BASE_URL}${url.pathname.slice(3)}${url.search}`, {
      method: request.method,
      headers,
      body: request.method === "GET" ? null : await request.arrayBuffer(),
    });
    return new Response(upstream.body, upstream);
  },
};

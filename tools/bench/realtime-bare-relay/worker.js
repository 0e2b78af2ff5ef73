/**
 * Bench only, never deployed: the barest Durable Object relay, for the `realtime` benchmark's
 * "bare relay" rows. Same path as the gateway (static assets checked first, then the Worker, the
 * user's Durable Object by name, and the upstream socket opened with `fetch` + `Upgrade`), but every
 * frame is forwarded untouched both ways with no inspection, buffering, recording or policy: what is
 * left is workerd's own WebSocket cost.
 */
import { DurableObject } from "cloudflare:workers";

/** Closes a socket without throwing, skipping the codes a peer may not send. */
function closeQuietly(ws, code) {
  try {
    ws.close(code === 1005 || code === 1006 || code === 1015 ? 1000 : code);
  } catch {
    // Already closed.
  }
}

export class BareRelay extends DurableObject {
  async fetch(request) {
    const url = new URL(request.url);
    const res = await fetch(`${this.env.UPSTREAM_BASE_URL}/realtime${url.search}`, {
      headers: { upgrade: "websocket", authorization: `Bearer ${this.env.UPSTREAM_API_KEY}` },
    });
    const upstream = res.webSocket;
    if (res.status !== 101 || upstream === null) return new Response("upstream refused", { status: 502 });
    upstream.accept();
    const { 0: client, 1: server } = new WebSocketPair();
    server.accept();
    server.addEventListener("message", (event) => upstream.send(event.data));
    upstream.addEventListener("message", (event) => server.send(event.data));
    server.addEventListener("close", (event) => closeQuietly(upstream, event.code));
    upstream.addEventListener("close", (event) => closeQuietly(server, event.code));
    return new Response(null, { status: 101, webSocket: client });
  }
}

export default {
  fetch(request, env) {
    if (new URL(request.url).pathname === "/healthz") return new Response("bare relay");
    const user = request.headers.get("x-user-id") ?? "anonymous";
    return env.BARE_RELAY.getByName(user).fetch(request);
  },
};

import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../src/platform/env";

/** One per tenant+user: owns that user's Realtime sessions (work in progress). */
export class RealtimeSession extends DurableObject<Bindings> {
  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/fetch") {
      const r = await fetch("https://tools.test/x");
      return new Response(await r.text());
    }
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    server.accept();
    server.addEventListener("message", (e) => {
      const data = e.data;
      const len = typeof data === "string" ? data.length : (data as ArrayBuffer).byteLength;
      if (typeof data === "string" && data.startsWith("close:")) {
        try { server.close(Number(data.slice(6)), "bye"); } catch (err) { server.send(`closeerr ${String(err)}`); }
        return;
      }
      server.send(`got ${typeof data} ${len}`);
    });
    server.addEventListener("close", (e) => server.send(`closed ${e.code}`));
    return new Response(null, { status: 101, webSocket: client, headers: { "sec-websocket-protocol": "realtime" } });
  }
}

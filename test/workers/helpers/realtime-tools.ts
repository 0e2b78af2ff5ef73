/**
 * A tool server for workerd tests. A Node server cannot run inside workerd, but the Durable Object
 * runs in the test's isolate, so its outbound `fetch` to `TOOL_ORIGIN` is answered here; every other
 * request (the upstream WebSocket) goes out as usual. Signatures are checked independently of the
 * gateway's code, the way a tool author would with any Standard Webhooks library.
 */

import { putTool } from "./realtime";

export const TOOL_ORIGIN = "https://tools.example.test";

export interface ToolRequest {
  url: string;
  headers: Headers;
  body: string;
  payload: {
    tenant: string;
    user: string;
    session_id: string;
    call_id: string;
    name: string;
    arguments: string;
  };
  /** Whether `webhook-signature` is a valid v1 signature of the delivery with the tenant's secret. */
  signatureValid: boolean;
}

async function verify(secret: string, headers: Headers, body: string): Promise<boolean> {
  const id = headers.get("webhook-id");
  const timestamp = headers.get("webhook-timestamp");
  const signatures = headers.get("webhook-signature");
  if (!id || !timestamp || !signatures) return false;
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  const raw = Uint8Array.from(atob(secret.replace(/^whsec_/, "")), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  const content = new TextEncoder().encode(`${id}.${timestamp}.${body}`);
  for (const entry of signatures.split(" ")) {
    const [version, value] = entry.split(",");
    if (version !== "v1" || !value) continue;
    const mac = Uint8Array.from(atob(value), (c) => c.charCodeAt(0));
    if (await crypto.subtle.verify("HMAC", key, mac, content)) return true;
  }
  return false;
}

export interface ToolServer {
  requests: ToolRequest[];
  /** Sets the secret deliveries are checked against (the one the admin API returned). */
  secret: string;
  stop(): void;
}

/** Answers POSTs to `TOOL_ORIGIN` with `respond` until `stop()`. */
export function startToolServer(respond: (request: ToolRequest) => Response | Promise<Response>): ToolServer {
  const original = globalThis.fetch;
  const server: ToolServer = {
    requests: [],
    secret: "",
    stop: () => {
      globalThis.fetch = original;
    },
  };
  globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    if (!request.url.startsWith(TOOL_ORIGIN)) return original(input, init);
    const body = await request.text();
    const recorded: ToolRequest = {
      url: request.url,
      headers: request.headers,
      body,
      payload: JSON.parse(body) as ToolRequest["payload"],
      signatureValid: await verify(server.secret, request.headers, body),
    };
    server.requests.push(recorded);
    // Like a real connection, an aborted call stops waiting for the answer.
    return new Promise<Response>((resolve, reject) => {
      request.signal.addEventListener("abort", () =>
        reject(new DOMException("The operation was aborted", "AbortError")),
      );
      Promise.resolve(respond(recorded)).then(resolve, reject);
    });
  };
  return server;
}

/** The server-side tool most realtime tests register. */
export const LOOKUP_ORDER = {
  description: "Looks up an order by customer name",
  parameters: { type: "object", properties: { customer: { type: "string" } }, required: ["customer"] },
  url: `${TOOL_ORIGIN}/lookup`,
};

/** Registers `lookup_order` for the tenant and answers its calls with `respond`, checking signatures. */
export async function serveLookupOrder(
  tenantId: string,
  respond: (request: ToolRequest) => Response | Promise<Response>,
): Promise<ToolServer> {
  const { webhook_secret } = await putTool(tenantId, "lookup_order", LOOKUP_ORDER);
  const server = startToolServer(respond);
  server.secret = webhook_secret ?? "";
  return server;
}

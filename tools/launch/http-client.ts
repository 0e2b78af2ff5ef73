import { request as httpRequestRaw, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequestRaw } from "node:https";

export interface HttpResult {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface HttpInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** PEM certificate to trust for `https:` URLs (the gateway's self-signed one). */
  ca?: string;
  timeoutMs?: number;
}

/**
 * One HTTP(S) request without keep-alive, so no socket outlives it. Used where the global `fetch`
 * cannot trust a custom certificate (a gateway launched with `https: true`).
 */
export function httpRequest(url: string, init: HttpInit = {}): Promise<HttpResult> {
  const target = new URL(url);
  const send = target.protocol === "https:" ? httpsRequestRaw : httpRequestRaw;
  const headers: Record<string, string> = { ...init.headers };
  if (init.body !== undefined) headers["content-length"] = String(Buffer.byteLength(init.body));
  return new Promise((resolve, reject) => {
    const req = send(
      target,
      { method: init.method ?? "GET", headers, agent: false, ca: init.ca, timeout: init.timeoutMs ?? 10_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.once("error", reject);
        res.once("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.once("timeout", () => req.destroy(new Error(`${init.method ?? "GET"} ${url} timed out`)));
    req.once("error", reject);
    req.end(init.body);
  });
}

/** Parses a JSON response body, failing with the status and body when the request did not succeed. */
export function expectJson<T>(res: HttpResult, what: string): T {
  if (res.status < 200 || res.status >= 300) {
    throw new Error(`${what} answered ${res.status}: ${res.body.slice(0, 500)}`);
  }
  return JSON.parse(res.body) as T;
}

/** Polls `GET {url}/healthz` until it answers 200, or fails after `timeoutMs`. */
export async function waitForHealthy(
  url: string,
  opts: { ca?: string; timeoutMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  let last = "no answer";
  while (Date.now() < deadline) {
    try {
      const res = await httpRequest(`${url}/healthz`, { ca: opts.ca, timeoutMs: 5_000 });
      if (res.status === 200) return;
      last = `status ${res.status}: ${res.body.slice(0, 200)}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`The gateway at ${url} did not become healthy (${last}).`);
}

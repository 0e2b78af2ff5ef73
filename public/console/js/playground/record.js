// @ts-check
/**
 * What the gateway knows about the playground's session, read over HTTP: the session record (usage,
 * items with server tool calls and their outputs), and the reason for a refused WebSocket, which a
 * browser cannot read from the failed handshake itself.
 */

import { ApiError, api, tenantPath } from "../api.js";
import { describeError } from "./session.js";

/**
 * @typedef {object} SessionRecord
 * @property {string} id
 * @property {"active" | "ended"} status
 * @property {{ responses: number, input_tokens: number, output_tokens: number, input_audio_seconds: number, output_audio_seconds: number }} usage
 * @property {import("./tools.js").SessionItem[]} [items]
 */

const POLL_MS = 1000;

/** @param {number} ms @param {AbortSignal} signal */
const pause = (ms, signal) =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve(undefined);
    });
  });

/**
 * Reads the session record about once a second until `signal` aborts (or `rounds` reads). The list
 * is asked first (it answers 200 before the record is written, which happens in batches), then the
 * detail with the conversation's items.
 * @param {string} tenantId
 * @param {string} user
 * @param {string} sessionId
 * @param {AbortSignal} signal
 * @param {(record: SessionRecord) => void} onRecord
 * @param {number} [rounds]
 */
export async function pollSession(
  tenantId,
  user,
  sessionId,
  signal,
  onRecord,
  rounds = Number.POSITIVE_INFINITY,
) {
  const base = `${tenantPath(tenantId)}/realtime/sessions`;
  let known = false;
  for (let round = 0; round < rounds && !signal.aborted; round++) {
    await pause(POLL_MS, signal);
    if (signal.aborted) return;
    try {
      if (!known) {
        /** @type {{ data: SessionRecord[] }} */
        const list = await api(base, { query: { user, limit: 20 }, signal });
        known = list.data.some((s) => s.id === sessionId);
        if (!known) continue;
      }
      /** @type {SessionRecord} */
      const record = await api(`${base}/${encodeURIComponent(sessionId)}`, { signal });
      if (!signal.aborted) onRecord(record);
    } catch (err) {
      if (signal.aborted) return;
      // A console key without access to this route cannot show server tools; stop asking.
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) return;
    }
  }
}

/**
 * Why the gateway refused the WebSocket. The browser only reports close code 1006, so the same
 * request is sent as a plain GET: the gateway runs the upgrade's checks (credential, model policy,
 * rate limit, concurrent sessions, quotas) and answers their OpenAI-shaped error, or 426 when they pass.
 * @param {string} token
 * @param {string} model
 */
export async function refusalReason(token, model) {
  const generic =
    "The gateway refused the WebSocket before it opened, although its checks pass now (the browser does not say why). Retry, or see the gateway's log.";
  try {
    const url = new URL("/v1/realtime", location.href);
    url.searchParams.set("model", model);
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    if (res.status === 426) return generic;
    const body = await res.json().catch(() => null);
    return body?.error ? `${describeError(body.error)}` : `${generic} (HTTP ${res.status})`;
  } catch {
    return generic;
  }
}

// @ts-check
/** What the Realtime pages share: the API's session shapes, and refreshing while a session is live. */
import { badge } from "../../ui.js";

/**
 * @typedef {object} SessionUsage
 * @property {number} responses
 * @property {number} input_tokens
 * @property {number} output_tokens
 * @property {number} cached_tokens
 * @property {number} input_audio_seconds
 * @property {number} output_audio_seconds
 *
 * @typedef {object} SessionRecord
 * @property {string} id
 * @property {string} user
 * @property {string} key_id
 * @property {string} model
 * @property {"realtime" | "transcription"} type
 * @property {"active" | "ended"} status
 * @property {string | null} end_reason
 * @property {string | null} instructions
 * @property {string | null} voice
 * @property {number} started_at
 * @property {number | null} ended_at
 * @property {SessionUsage} usage
 * @property {number} reconnects
 * @property {number} tool_calls
 *
 * @typedef {object} SessionItem
 * @property {string} item_id
 * @property {number} ordinal
 * @property {string} type
 * @property {string | null} role
 * @property {string | null} text
 * @property {string | null} name
 * @property {string | null} call_id
 * @property {string | null} arguments
 * @property {string | null} output
 * @property {boolean} [server_tool]
 * @property {string | null} [error]
 * @property {number | null} [duration_ms]
 *
 * @typedef {SessionRecord & { responses: Record<string, unknown>[], items: SessionItem[] }} SessionDetail
 */

/** How often a page with a live session asks again. */
export const REFRESH_MS = 5000;

/** @param {SessionRecord} s */
export const durationOf = (s) => (s.ended_at ?? Math.floor(Date.now() / 1000)) - s.started_at;

/** @param {SessionRecord} s */
export const statusBadge = (s) => (s.status === "active" ? badge("live", "ok") : badge("ended", "muted"));

/** How often a list with no live session looks for new ones. */
export const IDLE_REFRESH_MS = 15_000;

/**
 * Calls `load` again after `every()` milliseconds (null stops), until the page is left.
 * @param {AbortSignal} signal
 * @param {() => number | null} every
 * @param {() => Promise<void>} load
 */
export function poll(signal, every, load) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  const tick = () => {
    const delay = every();
    if (signal.aborted || delay === null) return;
    timer = setTimeout(async () => {
      try {
        await load();
      } catch {
        // A failed refresh keeps what is shown; the next one may work.
      }
      tick();
    }, delay);
  };
  signal.addEventListener("abort", () => clearTimeout(timer), { once: true });
  tick();
}

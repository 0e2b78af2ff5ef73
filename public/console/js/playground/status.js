// @ts-check
/**
 * Connection status, the last error, microphone and playback meters, and the session's record line.
 * Counters are also data attributes (`data-sent-samples`, `data-played-samples`, `data-queued-samples`, `data-session-id`,
 * `data-responses`) so tests and scripts can read them.
 */

import { badge, fmt, h } from "../ui.js";
import { SAMPLE_RATE } from "./pcm16.js";

/** @typedef {"ok" | "warn" | "bad" | "info" | "muted"} Tone */

export class StatusPanel {
  constructor() {
    this.badge = badge("disconnected", "muted");
    this.text = h("span", {}, "Not connected.");
    this.errorBox = h("div", { class: "form-error pg-error", role: "alert" });
    this.mic = h("meter", {
      min: 0,
      max: 1,
      value: 0,
      "aria-label": "Microphone level",
      "data-sent-samples": "0",
    });
    this.out = h("meter", { min: 0, max: 1, value: 0, "aria-label": "Playback level" });
    this.played = h(
      "span",
      { class: "pg-played", "data-played-samples": "0", "data-queued-samples": "0" },
      "0.0 s played",
    );
    this.session = h("div", { class: "pg-session muted", "data-session-id": "" }, "No session yet.");
    this.el = h(
      "div",
      {},
      h("div", { class: "pg-status", role: "status", "aria-live": "polite" }, this.badge, this.text),
      this.errorBox,
      h(
        "div",
        { class: "pg-meters" },
        h("label", { class: "pg-meter" }, h("span", {}, "Microphone"), this.mic),
        h("label", { class: "pg-meter" }, h("span", {}, "Playback"), this.out, this.played),
      ),
      this.session,
    );
  }

  /** @param {string} text @param {Tone} tone @param {string} [label] */
  set(text, tone, label = tone === "ok" ? "connected" : tone === "bad" ? "error" : "working") {
    this.badge.className = `badge badge-${tone}`;
    this.badge.textContent = label;
    this.text.textContent = text;
  }

  /** @param {string} message */
  error(message) {
    this.errorBox.textContent = message;
  }

  get hasError() {
    return Boolean(this.errorBox.textContent);
  }

  /** @param {number} level RMS 0..1 @param {number} sentSamples */
  micLevel(level, sentSamples) {
    this.mic.value = Math.min(1, level * 4);
    this.mic.setAttribute("data-sent-samples", String(sentSamples));
  }

  /** @param {number} playedSamples @param {number} queuedSamples @param {number} level */
  playback(playedSamples, queuedSamples, level) {
    this.out.value = Math.min(1, level * 4);
    this.played.setAttribute("data-played-samples", String(playedSamples));
    this.played.setAttribute("data-queued-samples", String(queuedSamples));
    this.played.textContent = `${(playedSamples / SAMPLE_RATE).toFixed(1)} s played`;
  }

  idle() {
    this.mic.value = 0;
    this.out.value = 0;
  }

  /** A new connection: no session, no error. */
  reset() {
    this.error("");
    this.session.textContent = "No session yet.";
    this.session.setAttribute("data-session-id", "");
    this.session.removeAttribute("data-responses");
  }

  /** @param {string} id */
  started(id) {
    this.session.textContent = `Session ${id}`;
    this.session.setAttribute("data-session-id", id);
  }

  get sessionId() {
    return this.session.getAttribute("data-session-id") || null;
  }

  /** The gateway's record of the session. @param {import("./record.js").SessionRecord} record */
  record(record) {
    const u = record.usage;
    // Audio seconds are counted when the session ends; tokens after every response.
    const audio =
      u.input_audio_seconds + u.output_audio_seconds > 0
        ? ` · ${u.input_audio_seconds.toFixed(1)} s audio in, ${u.output_audio_seconds.toFixed(1)} s out`
        : "";
    this.session.textContent = `Session ${record.id} · ${record.status} · ${fmt.int(u.responses)} responses · ${fmt.int(u.input_tokens + u.output_tokens)} tokens${audio}`;
    this.session.setAttribute("data-responses", String(u.responses));
  }
}

// @ts-check
/**
 * The live transcript: one entry per conversation item (user speech or typed text, assistant
 * audio transcript or text), filled in as deltas arrive and replaced by the final text.
 */

import { empty, h, replace } from "../ui.js";

/** @typedef {"user" | "assistant" | "system"} Speaker */

export class TranscriptView {
  constructor() {
    /** @type {Map<string, { el: HTMLElement, text: HTMLElement, final: boolean }>} */
    this.entries = new Map();
    this.el = h("ol", {
      class: "pg-transcript",
      role: "log",
      "aria-label": "Transcript",
      "aria-live": "polite",
    });
    this.placeholder = empty(
      "Nothing said yet",
      "Connect, allow the microphone and speak (or type a message below). What you say and what the model answers appear here.",
    );
    this.root = h("div", {}, this.placeholder, this.el);
  }

  /**
   * The entry of an item, created at the end when new.
   * @param {string} itemId
   * @param {Speaker} speaker
   */
  entry(itemId, speaker) {
    let entry = this.entries.get(itemId);
    if (!entry) {
      const text = h("span", { class: "pg-text" });
      const el = h(
        "li",
        { class: `pg-entry pg-${speaker}`, "data-speaker": speaker, "data-item-id": itemId },
        h(
          "span",
          { class: "pg-speaker" },
          speaker === "user" ? "You" : speaker === "assistant" ? "Model" : "Gateway",
        ),
        text,
      );
      entry = { el, text, final: false };
      this.entries.set(itemId, entry);
      this.placeholder.remove();
      this.el.append(el);
      el.scrollIntoView?.({ block: "nearest" });
    }
    return entry;
  }

  /** A user turn heard but not transcribed yet. @param {string} itemId */
  pending(itemId) {
    const entry = this.entry(itemId, "user");
    if (!entry.final && !entry.text.textContent) {
      entry.el.setAttribute("data-pending", "true");
      entry.text.textContent = "…";
    }
  }

  /**
   * Appends a delta (ignored once the final text is in).
   * @param {string} itemId
   * @param {Speaker} speaker
   * @param {string} delta
   */
  delta(itemId, speaker, delta) {
    const entry = this.entry(itemId, speaker);
    if (entry.final) return;
    if (entry.el.hasAttribute("data-pending")) {
      entry.el.removeAttribute("data-pending");
      entry.text.textContent = "";
    }
    entry.text.textContent += delta;
  }

  /**
   * Sets the final text of an item.
   * @param {string} itemId
   * @param {Speaker} speaker
   * @param {string} text
   */
  done(itemId, speaker, text) {
    const entry = this.entry(itemId, speaker);
    entry.el.removeAttribute("data-pending");
    entry.el.setAttribute("data-final", "true");
    entry.final = true;
    entry.text.textContent = text;
  }

  /** Marks an entry, e.g. "interrupted" or "transcription failed". @param {string} itemId @param {string} note */
  note(itemId, note) {
    const entry = this.entries.get(itemId);
    if (!entry) return;
    entry.el.querySelector(".pg-note")?.remove();
    entry.el.append(h("span", { class: "pg-note" }, note));
  }

  /**
   * Updates the transcript from a server event (other events are ignored).
   * @see https://platform.openai.com/docs/api-reference/realtime-server-events
   * @param {Record<string, any>} event
   */
  apply(event) {
    const itemId = typeof event.item_id === "string" ? event.item_id : "";
    switch (event.type) {
      case "input_audio_buffer.speech_started":
      case "input_audio_buffer.committed":
        if (itemId) this.pending(itemId);
        break;
      case "conversation.item.added":
      case "conversation.item.done":
        this.userItem(event.item ?? {});
        break;
      case "conversation.item.input_audio_transcription.delta":
        this.delta(itemId, "user", String(event.delta ?? ""));
        break;
      case "conversation.item.input_audio_transcription.completed":
        this.done(itemId, "user", String(event.transcript ?? ""));
        break;
      case "conversation.item.input_audio_transcription.failed":
        this.note(itemId, "transcription failed");
        break;
      case "response.output_audio_transcript.delta":
      case "response.output_text.delta":
        this.delta(itemId, "assistant", String(event.delta ?? ""));
        break;
      case "response.output_audio_transcript.done":
        this.done(itemId, "assistant", String(event.transcript ?? ""));
        break;
      case "response.output_text.done":
        this.done(itemId, "assistant", String(event.text ?? ""));
        break;
      case "conversation.item.truncated":
        this.note(itemId, `interrupted: ${(Number(event.audio_end_ms) / 1000).toFixed(1)} s heard`);
        break;
      case "response.done":
        if (event.response?.status !== "cancelled") break;
        for (const out of event.response.output ?? []) {
          if (typeof out.id === "string") this.note(out.id, "interrupted");
        }
        break;
    }
  }

  /** A user message item: typed text is final at once; audio waits for its transcript. @param {Record<string, any>} item */
  userItem(item) {
    if (item.type !== "message" || item.role !== "user" || typeof item.id !== "string") return;
    const typed = (item.content ?? []).find((/** @type {any} */ part) => part.type === "input_text");
    if (typed) this.done(item.id, "user", String(typed.text ?? ""));
    else this.pending(item.id);
  }

  clear() {
    this.entries.clear();
    replace(this.el);
    this.root.prepend(this.placeholder);
  }
}

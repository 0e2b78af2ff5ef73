// @ts-check
/**
 * Voice playground: talk to a Realtime model through the gateway from the microphone. The page
 * mints an end-user token (`POST /v1/auth/user_tokens`) and opens `/v1/realtime` with it in the
 * subprotocol slot, as a phone or web app would; no provider key is involved. Server-side tools,
 * which the relay hides from the socket, show from the session record.
 */

import { ApiError, api, tenantPath } from "../api.js";
import { pollSession, refusalReason } from "../playground/record.js";
import { VoiceSession } from "../playground/session.js";
import { policyChoices, settingsForm } from "../playground/settings-form.js";
import { StatusPanel } from "../playground/status.js";
import { ToolCallsView } from "../playground/tools.js";
import { TranscriptView } from "../playground/transcript.js";
import { card, failure, h, loading, replace } from "../ui.js";

/** @typedef {import("../types").PageContext} PageContext */

/** @type {import("../types").Page} */
export const page = {
  title: "Voice playground",
  async render(ctx) {
    replace(ctx.root, loading("the tenant's realtime policy"));
    /** @type {Record<string, any>} */
    let settings = {};
    let note = "";
    try {
      /** @type {{ settings: Record<string, any> }} */
      const tenant = await api(tenantPath(ctx.tenantId), { signal: ctx.signal });
      settings = tenant.settings ?? {};
    } catch (err) {
      if (ctx.signal.aborted) return;
      if (!(err instanceof ApiError) || err.status === 0) {
        replace(ctx.root, failure(err, ctx.refresh));
        return;
      }
      note = "The tenant's settings could not be read, so the usual models and voices are offered.";
    }
    if (!ctx.signal.aborted) new Playground(ctx, settings, note);
  },
};

class Playground {
  /**
   * @param {PageContext} ctx
   * @param {Record<string, any>} settings the tenant's settings
   * @param {string} note
   */
  constructor(ctx, settings, note) {
    this.ctx = ctx;
    this.form = settingsForm(policyChoices(settings));
    this.status = new StatusPanel();
    this.transcript = new TranscriptView();
    this.tools = new ToolCallsView();
    /** @type {VoiceSession | null} */
    this.session = null;
    /** @type {AbortController | null} */
    this.polling = null;
    this.connect = h("button", { type: "button", class: "button button-primary" }, "Connect");
    this.mute = h("button", { type: "button", class: "button", "aria-pressed": "false" }, "Mute");
    this.talk = h("button", { type: "button", class: "button pg-talk" }, "Hold to talk");
    this.message = h("input", {
      id: "pg-message",
      name: "message",
      autocomplete: "off",
      placeholder: "Type instead of speaking",
    });
    this.send = h("button", { type: "submit", class: "button" }, "Send");
    const textForm = h(
      "form",
      { class: "pg-text-form" },
      h("label", { class: "visually-hidden", for: "pg-message" }, "Message"),
      this.message,
      this.send,
    );
    this.wire(textForm);
    replace(
      ctx.root,
      h("div", { class: "page-head" }, h("h1", {}, "Voice playground")),
      card("Session", [
        note && h("p", { class: "muted" }, note),
        this.form.el,
        h("div", { class: "pg-controls" }, this.connect, this.mute, this.talk),
        this.status.el,
      ]),
      h(
        "div",
        { class: "grid" },
        card("Transcript", [this.transcript.root, textForm]),
        card("Server tools", this.tools.root),
      ),
    );
    this.setConnected(false);
    ctx.signal.addEventListener("abort", () => {
      this.stopPolling();
      this.session?.close();
    });
  }

  /** @param {HTMLFormElement} textForm */
  wire(textForm) {
    this.connect.addEventListener("click", () => {
      if (this.session) this.session.close();
      else void this.start();
    });
    this.mute.addEventListener("click", () => {
      const muted = this.mute.getAttribute("aria-pressed") !== "true";
      this.mute.setAttribute("aria-pressed", String(muted));
      this.mute.textContent = muted ? "Unmute" : "Mute";
      this.session?.setMuted(muted);
    });
    const press = (/** @type {Event} */ event) => {
      event.preventDefault();
      this.talk.classList.add("pg-talking");
      this.session?.startTalking();
    };
    const release = () => {
      if (!this.talk.classList.contains("pg-talking")) return;
      this.talk.classList.remove("pg-talking");
      this.session?.stopTalking();
    };
    const isTalkKey = (/** @type {KeyboardEvent} */ e) => e.key === " " || e.key === "Enter";
    this.talk.addEventListener("pointerdown", press);
    this.talk.addEventListener("pointerup", release);
    this.talk.addEventListener("pointerleave", release);
    this.talk.addEventListener("keydown", (e) => isTalkKey(e) && !e.repeat && press(e));
    this.talk.addEventListener("keyup", (e) => isTalkKey(e) && release());
    this.form.onLiveChange(() => {
      this.talk.hidden = !this.form.pushToTalk();
      this.session?.update(this.form.config());
    });
    textForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = this.message.value.trim();
      if (!text || !this.session) return;
      this.session.sendText(text);
      this.message.value = "";
    });
  }

  /** @param {boolean} on */
  setConnected(on) {
    this.connect.textContent = on ? "Disconnect" : "Connect";
    this.connect.classList.toggle("button-primary", !on);
    this.connect.classList.toggle("button-danger", on);
    this.connect.disabled = false;
    for (const el of [this.mute, this.talk, this.message, this.send]) el.disabled = !on;
    this.form.lock(on);
    this.talk.hidden = !this.form.pushToTalk();
    if (on) return;
    this.mute.setAttribute("aria-pressed", "false");
    this.mute.textContent = "Mute";
    this.status.idle();
  }

  async start() {
    const config = this.form.config();
    const user = this.form.user();
    this.status.reset();
    if (!config.model || !user) {
      this.status.error(config.model ? "Name the end user." : "Choose a model.");
      return;
    }
    this.connect.disabled = true;
    this.transcript.clear();
    this.tools.clear();
    this.status.set("Minting an end-user token…", "info");
    try {
      /** @type {{ token: string }} */
      const minted = await api("/v1/auth/user_tokens", {
        method: "POST",
        body: { user },
        signal: this.ctx.signal,
      });
      this.status.set("Starting the microphone…", "info");
      const url = new URL("/v1/realtime", location.href);
      url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
      url.searchParams.set("model", config.model);
      // Server-side tools never reach the socket as function calls; this asks the gateway to say when they run.
      url.searchParams.set("edgegate_events", "tool_calls");
      this.session = await VoiceSession.open(url.toString(), minted.token, config, {
        status: (text, tone) => this.status.set(text, tone),
        error: (text) => this.status.error(text),
        started: (id) => {
          this.status.started(id);
          this.poll(user, id);
        },
        event: (event) => {
          this.transcript.apply(event);
          if (event.type === "edgegate.tool_call") this.tools.fromEvent(event);
        },
        micLevel: (level, sent) => this.status.micLevel(level, sent),
        playback: (played, queued, level) => this.status.playback(played, queued, level),
        closed: (info) => void this.onClosed(info, user, minted.token, config.model),
      });
      if (this.ctx.signal.aborted) {
        // The page was left while the microphone was being opened.
        this.session.close();
        return;
      }
      this.status.set("Connecting to the gateway…", "info");
      this.setConnected(true);
    } catch (err) {
      if (this.ctx.signal.aborted) return;
      this.session = null;
      this.setConnected(false);
      this.status.set("Not connected.", "bad", "error");
      this.status.error(startFailure(err));
    }
  }

  /**
   * @param {import("../playground/session.js").CloseInfo} info
   * @param {string} user
   * @param {string} token
   * @param {string} model
   */
  async onClosed(info, user, token, model) {
    this.session = null;
    this.setConnected(false);
    const sessionId = this.status.sessionId;
    // A few more reads of the record, so tool calls and usage that land after the close show.
    if (sessionId && !this.ctx.signal.aborted) this.poll(user, sessionId, 3);
    else this.stopPolling();
    if (!info.opened && !info.byUser) {
      this.status.set("The gateway refused the connection.", "bad", "refused");
      this.status.error(await refusalReason(token, model));
      return;
    }
    const normal = info.code === 1000 || info.code === 1005;
    const how = `close ${info.code}${info.reason ? `: ${info.reason}` : ""}`;
    this.status.set(`Disconnected (${how}).`, normal ? "muted" : "bad", normal ? "disconnected" : "closed");
    if (!normal && !this.status.hasError) this.status.error(`The connection closed with ${how}.`);
  }

  /** @param {string} user @param {string} sessionId @param {number} [rounds] */
  poll(user, sessionId, rounds) {
    this.stopPolling();
    const controller = new AbortController();
    this.polling = controller;
    void pollSession(
      this.ctx.tenantId,
      user,
      sessionId,
      controller.signal,
      (record) => {
        this.tools.fromItems(record.items ?? []);
        this.status.record(record);
      },
      rounds,
    );
  }

  stopPolling() {
    this.polling?.abort();
    this.polling = null;
  }
}

/** A token or microphone failure in words a person can act on. @param {unknown} err */
function startFailure(err) {
  if (err instanceof DOMException && err.name === "NotAllowedError") {
    return "The browser did not allow the microphone. Allow it for this site, then connect again.";
  }
  if (err instanceof DOMException && err.name === "NotFoundError") return "No microphone was found.";
  return err instanceof Error ? err.message : String(err);
}

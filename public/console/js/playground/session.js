// @ts-check
/**
 * One voice session through the gateway: a browser WebSocket to `/v1/realtime` with the end-user
 * token in the subprotocol slot, GA Realtime events both ways, microphone audio appended in ~100 ms
 * chunks, output audio played gaplessly and cut on barge-in.
 * @see https://platform.openai.com/docs/guides/realtime-websocket
 * @see https://platform.openai.com/docs/api-reference/realtime-server-events
 */

import { AudioEngine } from "./audio.js";
import { base64ToBytes, bytesToBase64, pcm16ToFloat32, SAMPLE_RATE } from "./pcm16.js";

/**
 * @typedef {object} SessionConfig
 * @property {string} model
 * @property {string} voice
 * @property {string} instructions
 * @property {"server_vad" | "push_to_talk"} turnDetection
 * @property {"auto" | "required" | "none"} toolChoice
 */

/**
 * @typedef {object} CloseInfo
 * @property {number} code
 * @property {string} reason
 * @property {boolean} opened the socket had opened (else the gateway refused the upgrade)
 * @property {boolean} byUser the page closed it
 */

/**
 * @typedef {object} SessionUi
 * @property {(text: string, tone: "ok" | "warn" | "bad" | "info" | "muted") => void} status
 * @property {(message: string) => void} error
 * @property {(sessionId: string) => void} started
 * @property {(event: Record<string, any>) => void} event every server event, after the session handled it
 * @property {(level: number, sentSamples: number) => void} micLevel level of the last chunk, 24 kHz samples sent so far
 * @property {(played: number, queued: number, level: number) => void} playback 24 kHz samples played and still queued
 * @property {(info: CloseInfo) => void} closed
 */

/** Audio captured before the socket opens is kept (up to this much) and sent once it does. */
const MAX_EARLY_CHUNKS = 50;

/** The `session.update` for a config (GA shape: audio settings nested under `audio.input/output`). @param {SessionConfig} config */
export function sessionUpdate(config) {
  /** @type {Record<string, unknown>} */
  const session = {
    type: "realtime",
    audio: {
      input: {
        format: { type: "audio/pcm", rate: SAMPLE_RATE },
        transcription: { model: "gpt-4o-mini-transcribe" },
        turn_detection:
          config.turnDetection === "server_vad"
            ? {
                type: "server_vad",
                silence_duration_ms: 500,
                create_response: true,
                interrupt_response: true,
              }
            : null,
      },
      output: {
        format: { type: "audio/pcm", rate: SAMPLE_RATE },
        ...(config.voice && { voice: config.voice }),
      },
    },
    tool_choice: config.toolChoice,
  };
  if (config.instructions.trim()) session.instructions = config.instructions.trim();
  return { type: "session.update", session };
}

/** How often the page acknowledges the server events it has read. */
const ACK_INTERVAL_MS = 500;

export class VoiceSession {
  /**
   * @param {WebSocket} socket
   * @param {AudioEngine} audio
   * @param {SessionConfig} config
   * @param {SessionUi} ui
   */
  constructor(socket, audio, config, ui) {
    this.socket = socket;
    this.audio = audio;
    this.config = config;
    this.ui = ui;
    this.opened = false;
    this.closed = false;
    /** `close()` was called (a socket closed while connecting was not refused by the gateway). */
    this.closedByUser = false;
    /** @type {string | null} */
    this.sessionId = null;
    /** Push-to-talk: true while the talk button is held. */
    this.talking = false;
    /** @type {string[]} */
    this.early = [];
    /** 24 kHz samples of microphone audio sent (or queued to send). */
    this.sentSamples = 0;
    /** 24 kHz samples queued for playback so far, and played (reported by the player). */
    this.queuedSamples = 0;
    this.playedSamples = 0;
    /** The assistant item whose audio is playing, and where its audio starts in the queue. */
    /** @type {{ itemId: string, start: number } | null} */
    this.speaking = null;
    /** A response is being generated (between `response.created` and `response.done`). */
    this.responding = false;
    /** The last server event read, and the last one acknowledged to the gateway (`edgegate.ack`). */
    /** @type {string | null} */
    this.lastEventId = null;
    /** @type {string | null} */
    this.ackedEventId = null;
    /** @type {ReturnType<typeof setInterval> | undefined} */
    this.ackTimer = undefined;
  }

  /**
   * Opens the microphone, then the socket. Rejects (after cleaning up) when the microphone fails.
   * @param {string} url `ws(s)://…/v1/realtime?model=…`
   * @param {string} token end-user token
   * @param {SessionConfig} config
   * @param {SessionUi} ui
   */
  static async open(url, token, config, ui) {
    /** @type {VoiceSession | null} */
    let session = null;
    const audio = await AudioEngine.start({
      onChunk: (pcm, level) => session?.onMicChunk(pcm, level),
      onPlayback: (played, queued, level) => session?.onPlayback(played, queued, level),
    });
    const socket = new WebSocket(url, ["realtime", `openai-insecure-api-key.${token}`]);
    session = new VoiceSession(socket, audio, config, ui);
    session.listen();
    return session;
  }

  listen() {
    const { socket, ui } = this;
    socket.addEventListener("open", () => {
      this.opened = true;
      ui.status("Connected, starting the session…", "info");
      this.send(sessionUpdate(this.config));
      for (const audio of this.early.splice(0)) this.send({ type: "input_audio_buffer.append", audio });
      // Tells the gateway what this page has read, so it can tell a tab that cannot keep up.
      this.ackTimer = setInterval(() => this.acknowledge(), ACK_INTERVAL_MS);
    });
    socket.addEventListener("message", (message) => {
      if (typeof message.data !== "string") return;
      /** @type {Record<string, any>} */
      let event;
      try {
        event = JSON.parse(message.data);
      } catch {
        return;
      }
      this.onEvent(event);
      ui.event(event);
      if (typeof event.event_id === "string") this.lastEventId = event.event_id;
    });
    socket.addEventListener("close", (event) => {
      this.closed = true;
      clearInterval(this.ackTimer);
      void this.audio.close();
      ui.closed({ code: event.code, reason: event.reason, opened: this.opened, byUser: this.closedByUser });
    });
  }

  acknowledge() {
    if (this.lastEventId === null || this.lastEventId === this.ackedEventId) return;
    this.ackedEventId = this.lastEventId;
    this.send({ type: "edgegate.ack", last_event_id: this.lastEventId });
  }

  /** @param {Record<string, unknown>} event */
  send(event) {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(event));
  }

  /** @param {ArrayBuffer} pcm @param {number} level */
  onMicChunk(pcm, level) {
    if (!this.closed && (this.config.turnDetection === "server_vad" || this.talking)) {
      const audio = bytesToBase64(pcm);
      if (this.opened) this.send({ type: "input_audio_buffer.append", audio });
      else if (this.early.length < MAX_EARLY_CHUNKS) this.early.push(audio);
      this.sentSamples += pcm.byteLength / 2;
    }
    this.ui.micLevel(level, this.sentSamples);
  }

  /** @param {number} played @param {number} queued @param {number} level */
  onPlayback(played, queued, level) {
    this.playedSamples = played;
    if (this.speaking && played >= this.queuedSamples) this.speaking = null;
    this.ui.playback(played, queued, level);
  }

  /** @param {Record<string, any>} event */
  onEvent(event) {
    switch (event.type) {
      case "session.created":
        this.sessionId = typeof event.session?.id === "string" ? event.session.id : null;
        if (this.sessionId) this.ui.started(this.sessionId);
        this.ui.status(this.readyText(), "ok");
        break;
      case "input_audio_buffer.speech_started":
        this.bargeIn();
        break;
      case "response.output_audio.delta":
        if (typeof event.delta === "string") this.playDelta(String(event.item_id ?? ""), event.delta);
        break;
      case "error":
        this.ui.error(describeError(event.error));
        break;
      case "response.created":
        this.responding = true;
        break;
      case "response.done":
        this.responding = false;
        if (event.response?.status === "failed")
          this.ui.error(describeError(event.response.status_details?.error));
        break;
    }
  }

  /** @param {string} itemId @param {string} base64 */
  playDelta(itemId, base64) {
    const samples = pcm16ToFloat32(base64ToBytes(base64));
    if (this.speaking?.itemId !== itemId)
      this.speaking = { itemId, start: Math.max(this.queuedSamples, this.playedSamples) };
    this.queuedSamples = Math.max(this.queuedSamples, this.playedSamples) + samples.length;
    this.audio.play(samples);
  }

  /**
   * The user started talking over the model: stop playback now and tell the server how much of the
   * answer was heard, so the conversation holds only that part.
   * @see https://platform.openai.com/docs/api-reference/realtime-client-events/conversation/item/truncate
   */
  bargeIn() {
    this.audio.stopPlayback();
    const speaking = this.speaking;
    this.speaking = null;
    this.queuedSamples = this.playedSamples;
    if (!speaking) return;
    const heardMs = Math.max(0, Math.floor((this.playedSamples - speaking.start) / (SAMPLE_RATE / 1000)));
    this.send({
      type: "conversation.item.truncate",
      item_id: speaking.itemId,
      content_index: 0,
      audio_end_ms: heardMs,
    });
  }

  /** Push-to-talk pressed: interrupt the model (no server VAD does it here) and start a fresh input buffer. */
  startTalking() {
    if (this.talking) return;
    if (this.responding) this.send({ type: "response.cancel" });
    this.bargeIn();
    this.send({ type: "input_audio_buffer.clear" });
    this.talking = true;
  }

  /** Push-to-talk released: the buffer becomes the user's turn and the model answers. */
  stopTalking() {
    if (!this.talking) return;
    this.talking = false;
    this.send({ type: "input_audio_buffer.commit" });
    this.send({ type: "response.create" });
  }

  /** A typed user message, answered like a spoken one. @param {string} text */
  sendText(text) {
    this.bargeIn();
    this.send({
      type: "conversation.item.create",
      item: { type: "message", role: "user", content: [{ type: "input_text", text }] },
    });
    this.send({ type: "response.create" });
  }

  /** Applies changed settings (voice, instructions, turn detection, tool choice) to the live session. @param {SessionConfig} config */
  update(config) {
    this.config = config;
    this.talking = false;
    this.send(sessionUpdate(config));
    if (this.sessionId) this.ui.status(this.readyText(), "ok");
  }

  readyText() {
    return this.config.turnDetection === "server_vad"
      ? "Listening: speak any time"
      : "Connected: hold the talk button";
  }

  /** @param {boolean} muted */
  setMuted(muted) {
    this.audio.setMuted(muted);
  }

  close() {
    this.closedByUser = true;
    if (this.socket.readyState === WebSocket.CONNECTING || this.socket.readyState === WebSocket.OPEN) {
      this.socket.close(1000, "Disconnected from the console");
    }
  }
}

/** An `error` event's error as one line: message and code. @param {unknown} error */
export function describeError(error) {
  const e = /** @type {{ message?: unknown, code?: unknown, type?: unknown }} */ (error ?? {});
  const message = typeof e.message === "string" ? e.message : "The gateway reported an error.";
  const code = typeof e.code === "string" ? e.code : typeof e.type === "string" ? e.type : null;
  return code ? `${message} (${code})` : message;
}

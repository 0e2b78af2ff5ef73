// @ts-check
/**
 * The playground's audio graph: one AudioContext at 24 kHz (the Realtime PCM rate; the worklets
 * resample if the browser picks another rate), microphone → `pcm16-capture` worklet → page, and
 * page → `pcm16-player` worklet → speakers. Worklet modules are files under /console/ (CSP `script-src 'self'`).
 * @see https://developer.mozilla.org/en-US/docs/Web/API/AudioWorkletNode
 */

import { SAMPLE_RATE } from "./pcm16.js";

/**
 * @typedef {object} AudioCallbacks
 * @property {(pcm: ArrayBuffer, level: number) => void} onChunk ~100 ms of PCM16 LE at 24 kHz
 * @property {(played: number, queued: number, level: number) => void} onPlayback counters in 24 kHz samples
 */

export class AudioEngine {
  /**
   * @param {AudioContext} context
   * @param {MediaStream} stream
   * @param {AudioWorkletNode} capture
   * @param {AudioWorkletNode} player
   */
  constructor(context, stream, capture, player) {
    this.context = context;
    this.stream = stream;
    this.capture = capture;
    this.player = player;
  }

  /**
   * Asks for the microphone and builds the graph. Call from a click (browsers start audio on a gesture).
   * @param {AudioCallbacks} callbacks
   */
  static async start(callbacks) {
    if (!navigator.mediaDevices?.getUserMedia) {
      throw new Error("This browser cannot capture audio here (microphones need https or localhost).");
    }
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    });
    // 24 kHz saves resampling; browsers that cannot feed a microphone into a context at another rate
    // than the device's (Firefox: NotSupportedError) get the default rate, and the worklets resample.
    for (const sampleRate of [SAMPLE_RATE, undefined]) {
      try {
        return await AudioEngine.build(stream, callbacks, sampleRate);
      } catch (err) {
        if (sampleRate === undefined || !(err instanceof DOMException && err.name === "NotSupportedError")) {
          for (const track of stream.getTracks()) track.stop();
          throw err;
        }
      }
    }
    throw new Error("unreachable");
  }

  /**
   * @param {MediaStream} stream
   * @param {AudioCallbacks} callbacks
   * @param {number | undefined} sampleRate
   */
  static async build(stream, callbacks, sampleRate) {
    const context = new AudioContext({ sampleRate, latencyHint: "interactive" });
    try {
      await Promise.all([
        context.audioWorklet.addModule(new URL("./capture-worklet.js", import.meta.url)),
        context.audioWorklet.addModule(new URL("./player-worklet.js", import.meta.url)),
      ]);
      const capture = new AudioWorkletNode(context, "pcm16-capture", {
        numberOfInputs: 1,
        numberOfOutputs: 1,
        channelCount: 1,
        channelCountMode: "explicit",
        processorOptions: { chunkMs: 100 },
      });
      capture.port.onmessage = (event) => callbacks.onChunk(event.data.pcm, event.data.level);
      // The capture node's output is silent; connecting it keeps the graph pulling it.
      const sink = new GainNode(context, { gain: 0 });
      context.createMediaStreamSource(stream).connect(capture).connect(sink).connect(context.destination);
      const player = new AudioWorkletNode(context, "pcm16-player", {
        numberOfInputs: 0,
        numberOfOutputs: 1,
        outputChannelCount: [1],
      });
      player.port.onmessage = (event) =>
        callbacks.onPlayback(event.data.played, event.data.queued, event.data.level);
      player.connect(context.destination);
      await context.resume();
      return new AudioEngine(context, stream, capture, player);
    } catch (err) {
      await context.close().catch(() => undefined);
      throw err;
    }
  }

  /** Mute sends silence (a disabled track), so server VAD still sees a turn end. @param {boolean} muted */
  setMuted(muted) {
    for (const track of this.stream.getAudioTracks()) track.enabled = !muted;
  }

  /** Queues 24 kHz samples to play right after what is already queued. @param {Float32Array} samples */
  play(samples) {
    this.player.port.postMessage({ type: "chunk", samples }, [samples.buffer]);
  }

  /** Drops queued audio at once (barge-in). */
  stopPlayback() {
    this.player.port.postMessage({ type: "clear" });
  }

  async close() {
    for (const track of this.stream.getTracks()) track.stop();
    this.capture.port.onmessage = null;
    this.player.port.onmessage = null;
    await this.context.close().catch(() => undefined);
  }
}

// @ts-check
/**
 * AudioWorklet processor `pcm16-player`: plays queued 24 kHz mono Float32 chunks back to back (no
 * gaps between deltas), resampling when the context runs at another rate. Messages in:
 * `{ type: "chunk", samples: Float32Array }`, `{ type: "clear" }` (barge-in: drop what is queued).
 * Messages out, every ~50 ms while anything changed: `{ played, queued, level }` where `played` counts
 * 24 kHz samples played since the start and `queued` the samples still waiting.
 */

const SOURCE_RATE = 24_000;
const REPORT_EVERY_FRAMES = Math.round(sampleRate / 20);

class Pcm16Player extends AudioWorkletProcessor {
  /** @param {AudioWorkletNodeOptions} options */
  constructor(options) {
    super(options);
    /** @type {Float32Array[]} */
    this.queue = [];
    /** Read position inside `queue[0]`, in source samples (fractional when resampling). */
    this.offset = 0;
    this.queued = 0;
    this.played = 0;
    this.step = SOURCE_RATE / sampleRate;
    this.sinceReport = 0;
    this.sumSquares = 0;
    this.frames = 0;
    this.dirty = false;
    this.port.onmessage = (event) => {
      const message = event.data;
      if (message?.type === "chunk" && message.samples instanceof Float32Array) {
        this.queue.push(message.samples);
        this.queued += message.samples.length;
      } else if (message?.type === "clear") {
        this.queue = [];
        this.offset = 0;
        this.queued = 0;
      }
      this.dirty = true;
    };
  }

  /** The next output sample, advancing through the queue; 0 when it is empty. */
  next() {
    let head = this.queue[0];
    while (head && this.offset >= head.length) {
      this.offset -= head.length;
      this.queue.shift();
      head = this.queue[0];
    }
    if (!head) {
      this.offset = 0;
      return 0;
    }
    const index = Math.floor(this.offset);
    const frac = this.offset - index;
    const a = head[index] ?? 0;
    const b = frac === 0 ? a : (head[index + 1] ?? this.queue[1]?.[0] ?? a);
    const before = Math.floor(this.offset);
    this.offset += this.step;
    const consumed = Math.min(Math.floor(this.offset), head.length) - before;
    this.played += consumed;
    this.queued = Math.max(0, this.queued - consumed);
    return a + (b - a) * frac;
  }

  /** @param {Float32Array[][]} _inputs @param {Float32Array[][]} outputs */
  process(_inputs, outputs) {
    const output = outputs[0];
    const first = output?.[0];
    if (!output || !first) return true;
    const active = this.queue.length > 0;
    for (let i = 0; i < first.length; i++) {
      const value = active ? this.next() : 0;
      for (const channel of output) channel[i] = value;
      this.sumSquares += value * value;
    }
    this.frames += first.length;
    if (active) this.dirty = true;
    this.sinceReport += first.length;
    if (this.sinceReport >= REPORT_EVERY_FRAMES && this.dirty) {
      const level = Math.sqrt(this.sumSquares / this.frames);
      this.port.postMessage({ played: this.played, queued: this.queued, level });
      this.dirty = active;
      this.sinceReport = 0;
      this.sumSquares = 0;
      this.frames = 0;
    } else if (this.sinceReport >= REPORT_EVERY_FRAMES) {
      this.sinceReport = 0;
      this.sumSquares = 0;
      this.frames = 0;
    }
    return true;
  }
}

registerProcessor("pcm16-player", Pcm16Player);

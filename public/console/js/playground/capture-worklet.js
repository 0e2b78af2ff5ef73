// @ts-check
/**
 * AudioWorklet processor `pcm16-capture`: microphone samples (Float32, at the context's rate) →
 * PCM16 little-endian mono at 24 kHz, posted to the page in ~100 ms chunks (an ArrayBuffer, transferred)
 * with the chunk's RMS level. The Realtime API's `audio/pcm` input format is exactly this.
 * @see https://platform.openai.com/docs/guides/realtime-conversations#handling-audio
 */

const TARGET_RATE = 24_000;

class Pcm16Capture extends AudioWorkletProcessor {
  /** @param {AudioWorkletNodeOptions} options */
  constructor(options) {
    super(options);
    const chunkMs = Number(options.processorOptions?.chunkMs ?? 100);
    /** Samples per posted chunk at 24 kHz. */
    this.chunkSamples = Math.round((TARGET_RATE * chunkMs) / 1000);
    /** Input samples per output sample: 1 when the context already runs at 24 kHz. */
    this.step = sampleRate / TARGET_RATE;
    /** Position (in input samples, relative to the current block) of the next output sample. */
    this.readPos = 0;
    /** The last input sample of the previous block, for interpolation across blocks. */
    this.previous = 0;
    this.buffer = new ArrayBuffer(this.chunkSamples * 2);
    this.view = new DataView(this.buffer);
    this.filled = 0;
    this.sumSquares = 0;
  }

  /** @param {number} value -1..1 */
  push(value) {
    const clamped = Math.max(-1, Math.min(1, value));
    this.view.setInt16(this.filled * 2, clamped < 0 ? clamped * 0x8000 : clamped * 0x7fff, true);
    this.sumSquares += clamped * clamped;
    this.filled += 1;
    if (this.filled < this.chunkSamples) return;
    const level = Math.sqrt(this.sumSquares / this.chunkSamples);
    this.port.postMessage({ pcm: this.buffer, level }, [this.buffer]);
    this.buffer = new ArrayBuffer(this.chunkSamples * 2);
    this.view = new DataView(this.buffer);
    this.filled = 0;
    this.sumSquares = 0;
  }

  /** @param {Float32Array[][]} inputs */
  process(inputs) {
    const channel = inputs[0]?.[0];
    if (!channel) return true;
    if (this.step === 1) {
      for (let i = 0; i < channel.length; i++) this.push(channel[i] ?? 0);
      return true;
    }
    // Linear interpolation between neighbouring input samples (index -1 is the previous block's last).
    while (this.readPos < channel.length - 1) {
      const index = Math.floor(this.readPos);
      const frac = this.readPos - index;
      const a = index < 0 ? this.previous : (channel[index] ?? 0);
      const b = channel[index + 1] ?? a;
      this.push(a + (b - a) * frac);
      this.readPos += this.step;
    }
    this.readPos -= channel.length;
    this.previous = channel[channel.length - 1] ?? 0;
    return true;
  }
}

registerProcessor("pcm16-capture", Pcm16Capture);

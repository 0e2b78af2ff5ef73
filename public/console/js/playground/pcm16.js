// @ts-check
/**
 * PCM16 (16-bit signed, little-endian, mono, 24 kHz: the Realtime API's `audio/pcm`) ⇄ base64 as
 * `input_audio_buffer.append.audio` and `response.output_audio.delta.delta` carry it.
 * @see https://platform.openai.com/docs/api-reference/realtime-client-events/input_audio_buffer/append
 */

export const SAMPLE_RATE = 24_000;

/** Base64 of raw bytes (chunked so large buffers do not overflow the argument list). @param {ArrayBuffer} buffer */
export function bytesToBase64(buffer) {
  const bytes = new Uint8Array(buffer);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/** @param {string} base64 */
export function base64ToBytes(base64) {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** PCM16 little-endian bytes → Float32 samples in -1..1. @param {Uint8Array} bytes */
export function pcm16ToFloat32(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const samples = new Float32Array(Math.floor(bytes.byteLength / 2));
  for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(i * 2, true) / 0x8000;
  return samples;
}

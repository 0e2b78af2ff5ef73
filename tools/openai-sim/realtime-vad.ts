/**
 * Server-side voice activity detection for the simulator: RMS energy per 20 ms window compared with
 * a level derived from `turn_detection.threshold`. Positions are milliseconds since the start of all
 * audio appended in the session, as in `input_audio_buffer.speech_started.audio_start_ms`.
 * @see https://platform.openai.com/docs/guides/realtime-vad
 */
import type { RealtimeAudioInputTurnDetection } from "openai/resources/realtime/realtime";
import { BYTES_PER_MS, rmsLevel } from "./realtime-audio";

export const WINDOW_MS = 20;
const WINDOW_BYTES = WINDOW_MS * BYTES_PER_MS;

export interface VadSettings {
  /** RMS level (0..1 of full scale) above which a window counts as speech. */
  level: number;
  prefixPaddingMs: number;
  silenceDurationMs: number;
}

export type VadEvent =
  | { kind: "speech_started"; audioStartMs: number }
  | { kind: "speech_stopped"; audioStartMs: number; audioEndMs: number };

const SEMANTIC_SILENCE_MS = { low: 1000, medium: 500, auto: 500, high: 250 } as const;

/**
 * Maps the 0..1 `threshold` to an RMS level: 0.5 → 0.05 of full scale (about -26 dBFS), so a tone
 * at moderate volume is speech and digital silence or faint noise is not.
 */
export function vadSettings(detection: RealtimeAudioInputTurnDetection): VadSettings {
  if (detection.type === "semantic_vad") {
    return {
      level: 0.05,
      prefixPaddingMs: 300,
      silenceDurationMs: SEMANTIC_SILENCE_MS[detection.eagerness ?? "auto"],
    };
  }
  return {
    level: (detection.threshold ?? 0.5) * 0.1,
    prefixPaddingMs: detection.prefix_padding_ms ?? 300,
    silenceDurationMs: detection.silence_duration_ms ?? 500,
  };
}

export class VoiceActivityDetector {
  private pending: Buffer = Buffer.alloc(0);
  private analysedMs = 0;
  /** Speech cannot start before the current input buffer does. */
  private floorMs = 0;
  private speechStartMs: number | null = null;
  private silenceMs = 0;

  get speaking(): boolean {
    return this.speechStartMs !== null;
  }

  /** Analyses appended audio and returns the speech boundaries it crossed. */
  push(pcm: Buffer, settings: VadSettings): VadEvent[] {
    const data = this.pending.length > 0 ? Buffer.concat([this.pending, pcm]) : pcm;
    const events: VadEvent[] = [];
    let offset = 0;
    for (; offset + WINDOW_BYTES <= data.length; offset += WINDOW_BYTES) {
      const loud = rmsLevel(data, offset, offset + WINDOW_BYTES) >= settings.level;
      const event = this.step(loud, settings);
      if (event) events.push(event);
    }
    this.pending = Buffer.from(data.subarray(offset));
    return events;
  }

  /** Forgets partial speech, e.g. after a manual commit or `input_audio_buffer.clear`. */
  reset(positionMs: number): void {
    this.pending = Buffer.alloc(0);
    this.analysedMs = positionMs;
    this.floorMs = positionMs;
    this.speechStartMs = null;
    this.silenceMs = 0;
  }

  private step(loud: boolean, settings: VadSettings): VadEvent | null {
    const windowStartMs = this.analysedMs;
    this.analysedMs += WINDOW_MS;
    if (this.speechStartMs === null) {
      if (!loud) return null;
      this.speechStartMs = Math.max(this.floorMs, windowStartMs - settings.prefixPaddingMs);
      this.silenceMs = 0;
      return { kind: "speech_started", audioStartMs: this.speechStartMs };
    }
    this.silenceMs = loud ? 0 : this.silenceMs + WINDOW_MS;
    if (this.silenceMs < settings.silenceDurationMs) return null;
    const event: VadEvent = {
      kind: "speech_stopped",
      audioStartMs: this.speechStartMs,
      audioEndMs: this.analysedMs,
    };
    this.speechStartMs = null;
    this.silenceMs = 0;
    this.floorMs = this.analysedMs;
    return event;
  }
}

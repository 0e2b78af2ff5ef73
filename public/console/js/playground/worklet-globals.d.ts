/**
 * The AudioWorkletGlobalScope names the playground's worklet modules use (not in TypeScript's DOM lib).
 * Type declarations only: checked by `tsc -p tsconfig.console.json`, never served.
 * @see https://webaudio.github.io/web-audio-api/#AudioWorkletGlobalScope
 */
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
  constructor(options?: AudioWorkletNodeOptions);
}

declare function registerProcessor(
  name: string,
  processorCtor: new (
    options: AudioWorkletNodeOptions,
  ) => AudioWorkletProcessor & {
    process(
      inputs: Float32Array[][],
      outputs: Float32Array[][],
      parameters: Record<string, Float32Array>,
    ): boolean;
  },
): void;

/** The sample rate of the AudioContext the worklet runs in. */
declare const sampleRate: number;

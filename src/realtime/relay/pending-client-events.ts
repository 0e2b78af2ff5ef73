/**
 * Client events that cannot go upstream yet, in order and bounded: those sent while the upstream
 * connects, and those from a `response.create` on that waits for the outputs of server tool calls
 * (so it cannot overtake them).
 */

/** Bytes of client events kept at most (one 16 MiB frame fits). */
export const MAX_QUEUED_CLIENT_BYTES = 17 * 1024 * 1024;

export class PendingClientEvents {
  private frames: string[] = [];
  private bytes = 0;
  /** A client `response.create` waits, with the events after it, for server tool outputs. */
  holding = false;

  /** Keeps a frame; returns the refusal message instead when the bound would be passed. */
  push(frame: string): string | null {
    if (this.bytes + frame.length > MAX_QUEUED_CLIENT_BYTES) {
      const waiting = this.holding
        ? "server-side tools are still running before your response.create can be sent"
        : "the upstream is still connecting";
      return `The gateway could not queue this event: ${waiting}, and ${this.bytes} bytes of events are already queued; it was dropped. Wait for session.created (or the response) before streaming audio.`;
    }
    this.frames.push(frame);
    this.bytes += frame.length;
    return null;
  }

  /** Every kept frame, in order; the queue is empty afterwards. */
  take(): string[] {
    const frames = this.frames;
    this.frames = [];
    this.bytes = 0;
    return frames;
  }

  clear(): void {
    this.take();
    this.holding = false;
  }
}

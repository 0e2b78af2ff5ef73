/**
 * Turns the server events of one session into records for D1: conversation items in order (with
 * typed text, audio transcripts, function calls and outputs) and each `response.done` usage.
 * @see docs/openai-reference.md A.9, A.11
 */
import { type ItemRecord, itemText, type RealtimeRecord, usageCounts } from "./session-records";

/** How one server-side tool call went. */
export interface ServerToolOutcome {
  name: string;
  callId: string;
  arguments: string;
  output: string;
  error: string | null;
  durationMs: number;
}

type Json = Record<string, unknown>;

const str = (value: unknown): string | null => (typeof value === "string" ? value : null);

/** Items whose order is remembered per session; a longer session stops recording new items. */
const MAX_ITEMS = 10_000;

export class SessionRecorder {
  private readonly ordinals = new Map<string, number>();

  constructor(
    private readonly sessionId: () => string | null,
    private readonly write: (record: RealtimeRecord) => void,
  ) {}

  /** Order of an item in the conversation, fixed when it is first seen. */
  private ordinal(itemId: string): number | null {
    const known = this.ordinals.get(itemId);
    if (known !== undefined) return known;
    if (this.ordinals.size >= MAX_ITEMS) return null;
    const next = this.ordinals.size;
    this.ordinals.set(itemId, next);
    return next;
  }

  /** `conversation.item.added`: fixes the item's place; `.done` / `.created`: records it. */
  item(item: Json | undefined, serverTool: boolean, complete: boolean): void {
    const itemId = str(item?.id);
    const sessionId = this.sessionId();
    if (!item || itemId === null || sessionId === null) return;
    const ordinal = this.ordinal(itemId);
    if (ordinal === null || !complete) return;
    this.write({
      kind: "item",
      sessionId,
      itemId,
      ordinal,
      type: str(item.type) ?? "message",
      role: str(item.role),
      text: item.type === "message" ? itemText(item) : null,
      name: str(item.name),
      callId: str(item.call_id),
      arguments: str(item.arguments),
      output: str(item.output),
      serverTool,
      at: Date.now(),
    });
  }

  /**
   * A transcript or text that completes an item already in the conversation; `joins` places an item
   * not seen yet (an input transcript always belongs to the conversation).
   */
  text(itemId: unknown, role: "user" | "assistant", text: unknown, joins = false): void {
    if (typeof text !== "string") return;
    if (joins && typeof itemId === "string") this.ordinal(itemId);
    this.complete(itemId, { type: "message", role, text, serverTool: false });
  }

  /** A server-side tool call's outcome, kept on its `function_call` item. */
  toolCall(itemId: string, call: ServerToolOutcome): void {
    this.complete(itemId, {
      type: "function_call",
      name: call.name,
      callId: call.callId,
      arguments: call.arguments,
      output: call.output,
      serverTool: true,
      toolError: call.error,
      toolDurationMs: call.durationMs,
    });
  }

  /**
   * Adds to an item already in the conversation. Out-of-band responses never join the conversation:
   * they are not part of its transcript.
   */
  private complete(
    itemId: unknown,
    fields: Partial<ItemRecord> & Pick<ItemRecord, "type" | "serverTool">,
  ): void {
    const sessionId = this.sessionId();
    if (typeof itemId !== "string" || sessionId === null) return;
    const ordinal = this.ordinals.get(itemId);
    if (ordinal === undefined) return;
    this.write({
      kind: "item",
      sessionId,
      itemId,
      ordinal,
      role: null,
      text: null,
      name: null,
      callId: null,
      arguments: null,
      output: null,
      at: Date.now(),
      ...fields,
    });
  }

  /** `response.done`: its usage; returns the response's total tokens. */
  usage(event: Json): number {
    const response = (event.response ?? {}) as Json;
    const sessionId = this.sessionId();
    const usage = usageCounts(response.usage);
    if (sessionId !== null && response.usage) {
      this.write({
        kind: "usage",
        sessionId,
        responseId: str(response.id) ?? `resp_unknown_${Date.now()}`,
        status: str(response.status),
        at: Date.now(),
        usage,
      });
    }
    return usage.total_tokens;
  }
}

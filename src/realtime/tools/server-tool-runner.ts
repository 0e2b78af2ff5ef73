/**
 * Server-side tools inside one session: recognises the model's calls of the tenant's tools, hides
 * them from the client (so no SDK tries to run them), runs them, and continues the conversation with
 * `conversation.item.create` (`function_call_output`) and, once the response that made the calls is
 * done, exactly one `response.create`.
 *
 * A response may call server tools and client tools at once. Then the client continues it: its
 * `response.create` (sent after its own outputs) is held by the session until every server output
 * is upstream, and the gateway sends none of its own.
 * @see docs/openai-reference.md A.12
 */

import type { ServerCalls } from "../policy/client-items";
import type { RealtimePolicy, ServerTool } from "../policy/realtime-policy";
import type { ServerToolOutcome } from "../records/session-recorder";
import { topLevelString } from "../relay/frame";
import { callServerTool } from "./signed-tool-call";

/** What the runner needs from its session. */
export interface ToolHost {
  readonly policy: RealtimePolicy;
  sessionId(): string;
  sendUpstream(frame: string): void;
  isEnded(): boolean;
  /** Whether the client sent a `response.create` that the session holds for this runner. */
  holdsClientContinuation(): boolean;
  /** Sends the held `response.create` (and the client events queued behind it) upstream. */
  releaseClientContinuation(): void;
  /** A server call finished: for the session's record. */
  called(itemId: string, outcome: ServerToolOutcome): void;
  /** Tells the client about a server call when it asked for it (`edgegate_events=tool_calls`). */
  notify(notice: ToolCallNotice): void;
}

/**
 * `edgegate.tool_call`: the gateway's own event telling an opted-in client that a server-side tool
 * runs (`running`) and how it ended (`completed` or `failed`), so a UI can show it. Not an OpenAI
 * event: it is only sent to clients that connect with `?edgegate_events=tool_calls`.
 */
export interface ToolCallNotice {
  type: "edgegate.tool_call";
  event_id: string;
  call_id: string;
  item_id: string;
  name: string;
  arguments: string;
  status: "running" | "completed" | "failed";
  output?: string;
  error?: string | null;
  duration_ms?: number;
}

/** A response that made server calls, until its continuation is sent. */
interface PendingResponse {
  /** Server calls still running. */
  running: number;
  /** Whether its `response.done` came. */
  done: boolean;
  /** Client-side calls in the same response: the client then sends the `response.create`. */
  clientCalls: number;
}

type Json = Record<string, unknown>;

/** The `event_id` of a notice (≤ 64 characters, as OpenAI's event ids). */
const noticeId = (callId: string, phase: string) => `event_eg_${phase}_${callId}`.slice(0, 64);

/** Call ids (and item ids) remembered per session, beyond which the oldest are forgotten. */
const MAX_REMEMBERED_CALLS = 1000;

/** Adds `value` to an insertion-ordered set, forgetting its oldest entry once it holds `max`. */
function addBounded(set: Set<string>, value: string, max: number): void {
  if (set.has(value)) return;
  if (set.size >= max) {
    const oldest = set.values().next();
    if (!oldest.done) set.delete(oldest.value);
  }
  set.add(value);
}

export class ServerToolRunner implements ServerCalls {
  private readonly byName: Map<string, ServerTool>;
  private readonly items = new Set<string>();
  private readonly callIds = new Set<string>();
  private readonly responses = new Map<string, PendingResponse>();
  calls = 0;

  constructor(private readonly host: ToolHost) {
    this.byName = new Map(host.policy.tools.map((tool) => [tool.name, tool]));
  }

  get enabled(): boolean {
    return this.byName.size > 0;
  }

  /** True when a `response.output_item.*` frame is about a server call (it is then not forwarded). */
  isServerOutputItem(frame: string, event: () => Json | null): boolean {
    if (!this.enabled || !frame.includes('"function_call"')) return false;
    const item = event()?.item as Json | undefined;
    if (item?.type !== "function_call" || !this.byName.has(String(item.name))) return false;
    this.remember(String(item.id), String(item.call_id));
    return true;
  }

  /** True for argument deltas of a server call. */
  isServerDelta(frame: string): boolean {
    if (this.items.size === 0) return false;
    const itemId = topLevelString(frame, "item_id");
    return itemId !== null && this.items.has(itemId);
  }

  /** Starts the call when `response.function_call_arguments.done` is for a server tool. */
  onArgumentsDone(event: Json): boolean {
    const name = String(event.name ?? "");
    const tool = this.byName.get(name);
    if (!tool && !this.items.has(String(event.item_id))) return false;
    if (!tool) return true;
    const callId = String(event.call_id);
    this.remember(String(event.item_id), callId);
    const responseId = String(event.response_id);
    const state = this.responses.get(responseId) ?? { running: 0, done: false, clientCalls: 0 };
    state.running++;
    this.responses.set(responseId, state);
    this.calls++;
    this.host.notify({
      type: "edgegate.tool_call",
      event_id: noticeId(callId, "running"),
      call_id: callId,
      item_id: String(event.item_id),
      name,
      arguments: String(event.arguments ?? ""),
      status: "running",
    });
    void this.run(
      tool,
      { itemId: String(event.item_id), callId, args: String(event.arguments ?? "") },
      responseId,
    );
    return true;
  }

  /** True while a response's server calls have not all been answered: a client `response.create` must wait. */
  get continuationPending(): boolean {
    return this.responses.size > 0;
  }

  /**
   * True for conversation items (the call and its output) that belong to a server call; the item's
   * id is remembered, so that a client cannot read, delete or reference it (../policy/client-items.ts).
   */
  isServerItem(item: Json | undefined): boolean {
    if (typeof item?.call_id !== "string" || !this.callIds.has(item.call_id)) return false;
    if (typeof item.id === "string") addBounded(this.items, item.id, 2 * MAX_REMEMBERED_CALLS);
    return true;
  }

  isServerCall(callId: string): boolean {
    return this.callIds.has(callId);
  }

  isServerItemId(itemId: string): boolean {
    return this.items.has(itemId);
  }

  /**
   * On `response.done`: drops server calls from `response.output` (returns true when it did) and
   * continues the conversation once their outputs are in.
   */
  onResponseDone(event: Json): boolean {
    const response = event.response as Json | undefined;
    const id = String(response?.id);
    const output = Array.isArray(response?.output) ? (response.output as Json[]) : [];
    const state = this.responses.get(id);
    if (state) {
      state.done = true;
      state.clientCalls = output.filter(
        (item) => item?.type === "function_call" && !this.isServerItem(item),
      ).length;
      this.continueIfReady(id);
    }
    if (!response || output.length === 0 || this.callIds.size === 0) return false;
    const kept = output.filter((item) => !this.isServerItem(item));
    if (kept.length === output.length) return false;
    response.output = kept;
    return true;
  }

  private remember(itemId: string, callId: string): void {
    addBounded(this.items, itemId, 2 * MAX_REMEMBERED_CALLS);
    addBounded(this.callIds, callId, MAX_REMEMBERED_CALLS);
  }

  private async run(
    tool: ServerTool,
    call: { itemId: string; callId: string; args: string },
    responseId: string,
  ): Promise<void> {
    const { policy } = this.host;
    const started = Date.now();
    const result = await callServerTool(tool, policy.toolSecret, {
      tenant: policy.tenantId,
      user: policy.userId,
      session_id: this.host.sessionId(),
      call_id: call.callId,
      name: tool.name,
      arguments: call.args,
    });
    if (this.host.isEnded()) return;
    this.host.called(call.itemId, {
      name: tool.name,
      callId: call.callId,
      arguments: call.args,
      output: result.output,
      error: result.error,
      durationMs: Date.now() - started,
    });
    this.host.notify({
      type: "edgegate.tool_call",
      event_id: noticeId(call.callId, "done"),
      call_id: call.callId,
      item_id: call.itemId,
      name: tool.name,
      arguments: call.args,
      status: result.error ? "failed" : "completed",
      output: result.output,
      error: result.error,
      duration_ms: Date.now() - started,
    });
    this.host.sendUpstream(
      JSON.stringify({
        type: "conversation.item.create",
        event_id: `event_tool_${call.callId}`.slice(0, 64),
        item: { type: "function_call_output", call_id: call.callId, output: result.output },
      }),
    );
    const state = this.responses.get(responseId);
    if (state) state.running--;
    this.continueIfReady(responseId);
  }

  /**
   * Once a response is done and all its server outputs are upstream, exactly one `response.create`
   * follows: the client's own if it sent one meanwhile (or if the response also called client tools,
   * whose outputs only the client has), else the gateway's.
   */
  private continueIfReady(responseId: string): void {
    const state = this.responses.get(responseId);
    if (!state?.done || state.running > 0) return;
    this.responses.delete(responseId);
    if (this.host.holdsClientContinuation()) {
      if (this.responses.size === 0) this.host.releaseClientContinuation();
      return;
    }
    if (state.clientCalls > 0) return;
    this.host.sendUpstream(
      JSON.stringify({ type: "response.create", event_id: `event_tool_${responseId}`.slice(0, 64) }),
    );
  }
}

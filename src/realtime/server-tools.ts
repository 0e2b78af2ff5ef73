/**
 * Server-side tools inside one session: recognises the model's calls of the tenant's tools, hides
 * them from the client (so no SDK tries to run them), runs them, and continues the conversation with
 * `conversation.item.create` (`function_call_output`) and, once the response that made the calls is
 * done, `response.create`.
 * @see OPENAI-REFERENCE.md A.12
 */
import { topLevelString } from "./frame";
import type { RealtimePolicy, ServerTool } from "./policy";
import { callServerTool } from "./tool-call";

/** What the runner needs from its session. */
export interface ToolHost {
  readonly policy: RealtimePolicy;
  sessionId(): string;
  sendUpstream(frame: string): void;
  isEnded(): boolean;
}

type Json = Record<string, unknown>;

/** Call ids remembered per session, beyond which the oldest are forgotten. */
const MAX_REMEMBERED_CALLS = 1000;

export class ServerToolRunner {
  private readonly byName: Map<string, ServerTool>;
  private readonly items = new Set<string>();
  private readonly callIds = new Set<string>();
  /** Responses that made server calls: calls still running, and whether `response.done` came. */
  private readonly responses = new Map<string, { running: number; done: boolean }>();
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
    const state = this.responses.get(responseId) ?? { running: 0, done: false };
    state.running++;
    this.responses.set(responseId, state);
    this.calls++;
    void this.run(tool, callId, String(event.arguments ?? ""), responseId);
    return true;
  }

  /** True for conversation items (the call and its output) that belong to a server call. */
  isServerItem(item: Json | undefined): boolean {
    return typeof item?.call_id === "string" && this.callIds.has(item.call_id);
  }

  /**
   * On `response.done`: drops server calls from `response.output` (returns true when it did) and
   * continues the conversation once their outputs are in.
   */
  onResponseDone(event: Json): boolean {
    const response = event.response as Json | undefined;
    const id = String(response?.id);
    const state = this.responses.get(id);
    if (state) {
      state.done = true;
      this.continueIfReady(id);
    }
    if (!response || !Array.isArray(response.output) || this.callIds.size === 0) return false;
    const kept = response.output.filter((item) => !this.isServerItem(item as Json));
    if (kept.length === response.output.length) return false;
    response.output = kept;
    return true;
  }

  private remember(itemId: string, callId: string): void {
    if (this.callIds.size >= MAX_REMEMBERED_CALLS) {
      this.items.clear();
      this.callIds.clear();
    }
    this.items.add(itemId);
    this.callIds.add(callId);
  }

  private async run(tool: ServerTool, callId: string, args: string, responseId: string): Promise<void> {
    const { policy } = this.host;
    const output = await callServerTool(tool, policy.toolSecret, {
      tenant: policy.tenantId,
      user: policy.userId,
      session_id: this.host.sessionId(),
      call_id: callId,
      name: tool.name,
      arguments: args,
    });
    if (this.host.isEnded()) return;
    this.host.sendUpstream(
      JSON.stringify({
        type: "conversation.item.create",
        event_id: `event_tool_${callId}`.slice(0, 64),
        item: { type: "function_call_output", call_id: callId, output },
      }),
    );
    const state = this.responses.get(responseId);
    if (state) state.running--;
    this.continueIfReady(responseId);
  }

  private continueIfReady(responseId: string): void {
    const state = this.responses.get(responseId);
    if (!state?.done || state.running > 0) return;
    this.responses.delete(responseId);
    this.host.sendUpstream(
      JSON.stringify({ type: "response.create", event_id: `event_tool_${responseId}`.slice(0, 64) }),
    );
  }
}

// @ts-check
/**
 * Server-side tool calls of the session as they run. The relay hides them from the client, so
 * they come from the session record (`GET /admin/tenants/{id}/realtime/sessions/{session_id}`,
 * polled) and, when the gateway sends them, `edgegate.tool_call` events; both merge by `call_id`.
 */

import { badge, empty, fmt, h, replace } from "../ui.js";

/**
 * @typedef {object} ToolCall
 * @property {string} call_id
 * @property {string} name
 * @property {string} arguments
 * @property {"running" | "completed" | "failed"} status
 * @property {string | null} output
 * @property {number | null} duration_ms
 */

/**
 * @typedef {object} SessionItem a row of the session record's `items`
 * @property {string} item_id
 * @property {string} type
 * @property {string | null} name
 * @property {string | null} call_id
 * @property {string | null} arguments
 * @property {string | null} output
 * @property {boolean} [server_tool]
 */

const TONE = /** @type {const} */ ({ running: "info", completed: "ok", failed: "bad" });

export class ToolCallsView {
  constructor() {
    /** @type {Map<string, ToolCall>} */
    this.calls = new Map();
    this.list = h("ul", { class: "pg-tools", "aria-label": "Server tool calls" });
    this.root = h("div", {});
    this.render();
  }

  /**
   * Merges the function calls and outputs of the session record.
   * @param {SessionItem[]} items
   */
  fromItems(items) {
    /** @type {Map<string, string>} */
    const outputs = new Map();
    for (const item of items) {
      if (item.type === "function_call_output" && item.call_id) outputs.set(item.call_id, item.output ?? "");
    }
    let changed = false;
    for (const item of items) {
      if (item.type !== "function_call" || !item.call_id) continue;
      const known = this.calls.get(item.call_id);
      const output = outputs.get(item.call_id) ?? known?.output ?? null;
      const next = {
        call_id: item.call_id,
        name: item.name ?? known?.name ?? "function",
        arguments: item.arguments ?? known?.arguments ?? "",
        status: known?.status === "failed" ? "failed" : output === null ? "running" : "completed",
        output,
        duration_ms: known?.duration_ms ?? null,
      };
      if (JSON.stringify(next) !== JSON.stringify(known)) {
        this.calls.set(item.call_id, /** @type {ToolCall} */ (next));
        changed = true;
      }
    }
    if (changed) this.render();
  }

  /** An `edgegate.tool_call` event. @param {Record<string, unknown>} event */
  fromEvent(event) {
    const callId = typeof event.call_id === "string" ? event.call_id : null;
    if (!callId) return;
    const known = this.calls.get(callId);
    const status = event.status === "completed" || event.status === "failed" ? event.status : "running";
    this.calls.set(callId, {
      call_id: callId,
      name: typeof event.name === "string" ? event.name : (known?.name ?? "function"),
      arguments: typeof event.arguments === "string" ? event.arguments : (known?.arguments ?? ""),
      status,
      output: typeof event.output === "string" ? event.output : (known?.output ?? null),
      duration_ms: typeof event.duration_ms === "number" ? event.duration_ms : (known?.duration_ms ?? null),
    });
    this.render();
  }

  clear() {
    this.calls.clear();
    this.render();
  }

  render() {
    if (this.calls.size === 0) {
      replace(
        this.root,
        empty(
          "No server tool has run yet",
          "Tools registered for the tenant (PUT /admin/tenants/{id}/tools/{name}) run on the gateway when the model calls them; they show here while the session is connected.",
        ),
      );
      return;
    }
    replace(
      this.list,
      [...this.calls.values()].map((call) =>
        h(
          "li",
          { class: "pg-tool", "data-call-id": call.call_id, "data-status": call.status },
          h(
            "div",
            { class: "pg-tool-head" },
            h("strong", { class: "mono" }, call.name),
            badge(call.status, TONE[call.status]),
            call.duration_ms !== null && h("span", { class: "muted" }, fmt.ms(call.duration_ms)),
          ),
          h(
            "div",
            { class: "pg-tool-io" },
            h("span", { class: "muted" }, "Arguments "),
            h("code", {}, call.arguments || "{}"),
          ),
          call.output !== null &&
            h(
              "div",
              { class: "pg-tool-io" },
              h("span", { class: "muted" }, "Output "),
              h("code", {}, call.output),
            ),
        ),
      ),
    );
    replace(this.root, this.list);
  }
}

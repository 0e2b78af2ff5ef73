// @ts-check
/**
 * One Realtime session (`#/realtime/<id>`, `GET …/realtime/sessions/{id}`): its usage per response and
 * its transcript in order, server-side tool calls (name, arguments, output, duration) included.
 */
import { ApiError, api, tenantPath } from "../../api.js";
import { badge, card, empty, fmt, h, replace, stackAsCards, stat, table } from "../../ui.js";
import { durationOf, poll, REFRESH_MS, statusBadge } from "./common.js";

/** @typedef {import("./common.js").SessionDetail} SessionDetail */
/** @typedef {import("./common.js").SessionItem} SessionItem */

/**
 * @param {import("../../types").PageContext} ctx
 * @param {string} id
 */
export async function renderDetail(ctx, id) {
  const path = `${tenantPath(ctx.tenantId)}/realtime/sessions/${encodeURIComponent(id)}`;
  const load = async () => /** @type {SessionDetail} */ (await api(path, { signal: ctx.signal }));
  /** @type {SessionDetail} */
  let detail;
  try {
    detail = await load();
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) throw err;
    replace(
      ctx.root,
      empty(
        `No session '${id}' in this tenant`,
        "It may belong to another tenant (pick it at the top), or the link is wrong.",
        h("a", { href: "#/realtime" }, "All sessions"),
      ),
    );
    return;
  }
  const draw = () => replace(ctx.root, ...detailView(detail));
  draw();
  poll(
    ctx.signal,
    () => (detail.status === "active" ? REFRESH_MS : null),
    async () => {
      detail = await load();
      if (!ctx.signal.aborted) draw();
    },
  );
}

/** @param {SessionDetail} s */
function detailView(s) {
  const u = s.usage;
  const head = h(
    "div",
    { class: "page-head" },
    h(
      "div",
      {},
      h("a", { href: "#/realtime" }, "← Sessions"),
      h("h1", {}, "Session ", h("span", { class: "mono" }, s.id), " ", statusBadge(s)),
      h(
        "p",
        { class: "muted" },
        `User ${s.user} · ${s.model}${s.voice ? ` · voice ${s.voice}` : ""} · started ${fmt.time(s.started_at)}` +
          (s.end_reason ? ` · ended: ${s.end_reason}` : "") +
          (s.reconnects ? ` · ${s.reconnects} reconnect${s.reconnects === 1 ? "" : "s"}` : ""),
      ),
    ),
  );
  const figures = h(
    "section",
    { class: "stats", "aria-label": "Usage" },
    stat("Duration", fmt.duration(durationOf(s))),
    stat("Responses", fmt.int(u.responses)),
    stat("Input tokens", fmt.int(u.input_tokens), `${fmt.int(u.cached_tokens)} cached`),
    stat("Output tokens", fmt.int(u.output_tokens)),
    stat("Audio in", fmt.duration(u.input_audio_seconds)),
    stat("Audio out", fmt.duration(u.output_audio_seconds)),
    stat("Tool calls", fmt.int(s.tool_calls)),
  );
  return [
    head,
    figures,
    card("Transcript", transcript(s.items), [], { "data-card": "transcript" }),
    card("Usage per response", responsesTable(s.responses), [], { "data-card": "responses" }),
    s.instructions
      ? card("Instructions", h("pre", {}, s.instructions), [], { "data-card": "instructions" })
      : null,
  ];
}

/**
 * The conversation in order: what the user said, what the assistant answered, and the tools it called.
 * @param {SessionItem[]} items
 */
function transcript(items) {
  const ordered = [...items].sort((a, b) => a.ordinal - b.ordinal);
  if (ordered.length === 0) {
    return empty(
      "Nothing said yet",
      "Items appear here as the session's user speaks or types and the model answers.",
    );
  }
  // A server tool's output is shown on its call; the matching output item would repeat it.
  const serverCalls = new Set(ordered.filter((i) => i.server_tool && i.call_id).map((i) => i.call_id));
  return h(
    "ol",
    { class: "transcript" },
    ordered.map((item) => {
      if (item.type === "function_call") return h("li", { class: "turn turn-tool" }, toolCall(item));
      if (item.type === "function_call_output") {
        if (item.call_id && serverCalls.has(item.call_id)) return null;
        return h(
          "li",
          { class: "turn turn-tool" },
          h("div", { class: "turn-role" }, "Tool output"),
          h("pre", {}, item.output ?? ""),
        );
      }
      const role = item.role ?? "system";
      return h(
        "li",
        { class: `turn turn-${role}`, "data-role": role },
        h(
          "div",
          { class: "turn-role" },
          role === "user" ? "User" : role === "assistant" ? "Assistant" : role,
        ),
        h("div", { class: item.text ? "turn-text" : "turn-text muted" }, item.text ?? "(no transcript)"),
      );
    }),
  );
}

/** @param {SessionItem} item */
function toolCall(item) {
  const failed = Boolean(item.error);
  return h(
    "div",
    { class: "tool-call", "data-tool": item.name ?? "" },
    h(
      "div",
      { class: "turn-role" },
      "Tool call ",
      h("span", { class: "mono" }, item.name ?? "?"),
      " ",
      item.server_tool ? badge("server tool", "info") : badge("client tool", "muted"),
      " ",
      failed ? badge("failed", "bad") : null,
      typeof item.duration_ms === "number" ? ` ${fmt.ms(item.duration_ms)}` : null,
    ),
    h("div", { class: "field-hint" }, "Arguments"),
    h("pre", {}, prettyJson(item.arguments)),
    item.output !== null && item.output !== undefined
      ? [h("div", { class: "field-hint" }, "Output"), h("pre", {}, prettyJson(item.output))]
      : null,
    failed ? h("p", { class: "form-error" }, item.error ?? "") : null,
  );
}

/** @param {string | null | undefined} text */
function prettyJson(text) {
  if (!text) return "";
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** @param {Record<string, unknown>[]} responses */
function responsesTable(responses) {
  if (responses.length === 0) return h("p", { class: "muted" }, "No response has finished yet.");
  const num = (/** @type {Record<string, unknown>} */ r, /** @type {string} */ k) =>
    fmt.int(typeof r[k] === "number" ? /** @type {number} */ (r[k]) : 0);
  const t = table(
    [
      { label: "Response", cell: (r) => h("span", { class: "mono" }, String(r.response_id ?? "")) },
      { label: "Status", cell: (r) => String(r.status ?? "") },
      { label: "Input tokens", align: "num", cell: (r) => num(r, "input_tokens") },
      { label: "Cached", align: "num", cell: (r) => num(r, "cached_tokens") },
      { label: "Input audio tokens", align: "num", cell: (r) => num(r, "input_audio_tokens") },
      { label: "Output tokens", align: "num", cell: (r) => num(r, "output_tokens") },
      { label: "Output audio tokens", align: "num", cell: (r) => num(r, "output_audio_tokens") },
    ],
    responses,
  );
  return stackAsCards(t, ["Response"]);
}

// @ts-check
/**
 * Realtime: a tenant's live and recent voice sessions per end user (`GET …/realtime/sessions`), refreshed
 * while one is live; `#/realtime/<id>` shows one session (./realtime/session.js).
 */
import { api, tenantPath } from "../api.js";
import { badge, card, empty, fmt, h, replace, stackAsCards, table } from "../ui.js";
import { durationOf, IDLE_REFRESH_MS, poll, REFRESH_MS, statusBadge } from "./realtime/common.js";
import { renderDetail } from "./realtime/session.js";

/** @typedef {import("./realtime/common.js").SessionRecord} SessionRecord */

/** @type {import("../types").Page} */
export const page = {
  title: "Realtime",
  async render(ctx) {
    const id = ctx.params[0];
    if (id) await renderDetail(ctx, id);
    else await renderList(ctx);
  },
};

/** @param {import("../types").PageContext} ctx */
async function renderList(ctx) {
  const base = `${tenantPath(ctx.tenantId)}/realtime/sessions`;
  const user = ctx.query.get("user") ?? "";
  const load = async () =>
    /** @type {import("../types").List<SessionRecord>} */ (
      await api(base, { query: { limit: 100, user }, signal: ctx.signal })
    );
  let list = await load();

  const filter = h("input", {
    name: "user",
    type: "search",
    value: user,
    placeholder: "all users",
    "aria-label": "Filter by user",
  });
  const form = h(
    "form",
    { class: "inline-form filter-form", role: "search" },
    filter,
    h("button", { type: "submit", class: "button" }, "Filter"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = filter.value.trim();
    ctx.navigate(value ? `#/realtime?user=${encodeURIComponent(value)}` : "#/realtime");
  });
  const body = h("div", { class: "rt-list" });
  const draw = () => {
    const live = list.data.filter((s) => s.status === "active");
    const recent = list.data.filter((s) => s.status !== "active");
    if (list.data.length === 0) {
      replace(
        body,
        empty(
          user ? `No sessions for user '${user}'` : "No Realtime sessions yet",
          "Open a WebSocket to this gateway's /v1/realtime?model=gpt-realtime with a tenant API key and an X-User-Id header (or an end-user token in the subprotocol), or talk to a model on the Voice playground page.",
        ),
      );
      return;
    }
    replace(
      body,
      card(
        `Live sessions (${live.length})`,
        live.length ? sessionsTable(live) : h("p", { class: "muted" }, "No session is live right now."),
        [badge(live.length ? "refreshing every 5 s" : "refreshing every 15 s", "info")],
        { "data-card": "live" },
      ),
      card(`Recent sessions (${recent.length})`, sessionsTable(recent), [], { "data-card": "recent" }),
    );
  };
  draw();
  replace(
    ctx.root,
    h("div", { class: "page-head" }, h("h1", {}, "Realtime sessions"), form),
    user
      ? h(
          "p",
          { class: "muted" },
          `Sessions of user '${user}'. `,
          h("a", { href: "#/realtime" }, "Show every user"),
        )
      : null,
    usersSummary(list.data, ctx),
    body,
  );
  poll(
    ctx.signal,
    // Quickly while a session is live; slowly otherwise, so new sessions show up.
    () => (list.data.some((s) => s.status === "active") ? REFRESH_MS : IDLE_REFRESH_MS),
    async () => {
      list = await load();
      if (!ctx.signal.aborted) draw();
    },
  );
}

/**
 * Sessions per end user, each a link that filters the list.
 * @param {SessionRecord[]} sessions
 * @param {import("../types").PageContext} ctx
 */
function usersSummary(sessions, ctx) {
  /** @type {Map<string, { sessions: number, live: number, seconds: number }>} */
  const users = new Map();
  for (const s of sessions) {
    const u = users.get(s.user) ?? { sessions: 0, live: 0, seconds: 0 };
    u.sessions++;
    if (s.status === "active") u.live++;
    u.seconds += durationOf(s);
    users.set(s.user, u);
  }
  if (users.size <= 1 || ctx.query.get("user")) return null;
  return card(
    "Per user",
    h(
      "ul",
      { class: "chips" },
      [...users].map(([name, u]) =>
        h(
          "li",
          {},
          h(
            "a",
            { href: `#/realtime?user=${encodeURIComponent(name)}` },
            `${name}: ${u.sessions} session${u.sessions === 1 ? "" : "s"}${u.live ? `, ${u.live} live` : ""}, ${fmt.duration(u.seconds)}`,
          ),
        ),
      ),
    ),
  );
}

/** @param {SessionRecord[]} rows */
function sessionsTable(rows) {
  const t = table(
    [
      {
        label: "Session",
        cell: (s) => h("a", { href: `#/realtime/${encodeURIComponent(s.id)}`, class: "mono" }, s.id),
      },
      {
        label: "User",
        cell: (s) => h("a", { href: `#/realtime?user=${encodeURIComponent(s.user)}` }, s.user),
      },
      {
        label: "Model",
        cell: (s) => [
          h("span", { class: "mono" }, s.model),
          s.type === "transcription" ? " " : null,
          s.type === "transcription" ? badge("transcription", "info") : null,
        ],
      },
      { label: "Status", cell: (s) => [statusBadge(s), s.end_reason ? ` ${s.end_reason}` : ""] },
      { label: "Started", cell: (s) => fmt.time(s.started_at) },
      { label: "Duration", align: "num", cell: (s) => fmt.duration(durationOf(s)) },
      {
        label: "Tokens in / out",
        align: "num",
        cell: (s) => `${fmt.int(s.usage.input_tokens)} / ${fmt.int(s.usage.output_tokens)}`,
      },
      {
        label: "Audio in / out",
        align: "num",
        cell: (s) =>
          `${fmt.duration(s.usage.input_audio_seconds)} / ${fmt.duration(s.usage.output_audio_seconds)}`,
      },
      { label: "Responses", align: "num", cell: (s) => fmt.int(s.usage.responses) },
      { label: "Tool calls", align: "num", cell: (s) => fmt.int(s.tool_calls) },
    ],
    rows,
    { rowAttrs: (s) => ({ "data-session": s.id }) },
  );
  return stackAsCards(t, ["Session"]);
}

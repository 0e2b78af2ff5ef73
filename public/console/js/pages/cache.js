// @ts-check
/**
 * Cache: the prompt cache's recent answers (`GET …/cache/events`, newest first, paged with `before`),
 * the semantic shadow mode's false-hit rate (`GET …/stats`) and a purge (`DELETE …/cache`).
 */
import { ApiError, api, tenantPath } from "../api.js";
import {
  badge,
  busy,
  card,
  confirmAction,
  empty,
  failure,
  fmt,
  h,
  replace,
  stackAsCards,
  stat,
  table,
  toast,
} from "../ui.js";

/** @typedef {import("../types").CacheEvent} CacheEvent */
/** @typedef {import("../types").CacheStats} CacheStats */
/** @typedef {import("../types").Tenant} Tenant */

/** Events a page asks for; `#/cache?limit=N` changes it (1 to 200). */
const PAGE_SIZE = 50;

/** @param {URLSearchParams} query */
const pageSize = (query) => Math.min(200, Math.max(1, Number(query.get("limit")) || PAGE_SIZE));

/** @type {Record<import("../types").CacheOutcome, { label: string, tone: "ok" | "warn" | "bad" | "info" | "muted" }>} */
const OUTCOMES = {
  hit: { label: "Exact hit", tone: "ok" },
  semantic_hit: { label: "Semantic hit", tone: "ok" },
  coalesced: { label: "Coalesced", tone: "info" },
  miss: { label: "Miss", tone: "warn" },
  bypass: { label: "Bypass", tone: "muted" },
};

/** @type {import("../types").Page} */
export const page = {
  title: "Cache",
  async render(ctx) {
    const base = tenantPath(ctx.tenantId);
    const [stats, events, tenant] = await Promise.all([
      api(`${base}/stats`, { signal: ctx.signal }).then((b) => /** @type {CacheStats} */ (b)),
      api(`${base}/cache/events`, { query: { limit: pageSize(ctx.query) }, signal: ctx.signal }).then(
        (b) => /** @type {import("../types").List<CacheEvent>} */ (b),
      ),
      // The mode is a hint; the page works without it.
      api(base, { signal: ctx.signal }).then(
        (b) => /** @type {Tenant | null} */ (b),
        (err) => {
          if (err instanceof ApiError && err.status === 401) throw err;
          return null;
        },
      ),
    ]);

    const purge = h("button", { type: "button", class: "button button-danger" }, "Purge cache");
    purge.addEventListener("click", () =>
      busy(purge, async () => {
        const ok = await confirmAction(
          "Purge this tenant's cache? Every stored answer is dropped at once; the next requests are misses.",
          "Purge",
        );
        if (!ok) return;
        /** @type {{ generation: number }} */
        const purged = await api(`${base}/cache`, { method: "DELETE" });
        toast(`Cache purged: generation ${purged.generation} starts empty.`);
        ctx.refresh();
      }),
    );

    const cacheSettings = /** @type {{ mode?: string, semantic?: { shadow?: boolean } } | undefined} */ (
      tenant?.settings.cache
    );
    const mode = cacheSettings?.mode ?? "off";
    const head = h(
      "div",
      { class: "page-head" },
      h("h1", {}, "Cache ", tenant && badge(`mode: ${mode}`, mode === "off" ? "muted" : "ok")),
      purge,
    );

    replace(
      ctx.root,
      head,
      h(
        "div",
        { class: "grid" },
        card(
          "Cache performance",
          h(
            "div",
            { class: "stats" },
            stat("Hit rate", fmt.percent(stats.hit_rate), `${fmt.int(stats.requests)} requests`),
            stat("Exact hits", fmt.int(stats.hits)),
            stat("Semantic hits", fmt.int(stats.semantic_hits)),
            stat("Coalesced", fmt.int(stats.coalesced)),
            stat("Misses", fmt.int(stats.misses)),
            stat("Bypasses", fmt.int(stats.bypasses), "not cacheable or cache off"),
          ),
        ),
        shadowCard(stats, cacheSettings?.semantic?.shadow === true),
      ),
      eventsCard(ctx, base, events, mode),
    );
  },
};

/**
 * What shadow mode measured and what it means.
 * @param {CacheStats} stats
 * @param {boolean} shadowOn
 */
function shadowCard(stats, shadowOn) {
  const { checks, false_hits, false_hit_rate } = stats.shadow;
  return card(
    "Semantic shadow mode",
    [
      h(
        "div",
        { class: "stats" },
        stat(
          "False-hit rate",
          fmt.percent(false_hit_rate),
          checks
            ? `${fmt.int(false_hits)} of ${fmt.int(checks)} check${checks === 1 ? "" : "s"}`
            : "no checks yet",
        ),
      ),
      h(
        "p",
        { class: "muted" },
        "In shadow mode the gateway looks up a semantic match for every miss but still serves a fresh answer, then compares the two. A false hit is a match whose stored answer differs from the fresh one: the share of requests that semantic caching would have answered wrongly at the current similarity threshold. Raise the threshold if it is high.",
      ),
      h(
        "p",
        { class: "muted" },
        shadowOn ? "Shadow mode is on for this tenant. " : "Shadow mode is off for this tenant. ",
        "It is a tenant setting (cache → semantic → shadow) on the ",
        h("a", { href: "#/settings" }, "Settings"),
        " page.",
      ),
    ],
    [],
    { "data-card": "shadow" },
  );
}

/**
 * The recent events with a "Load more" button that pages with `before`.
 * @param {import("../types").PageContext} ctx
 * @param {string} base
 * @param {import("../types").List<CacheEvent>} first
 * @param {string} mode
 */
function eventsCard(ctx, base, first, mode) {
  if (first.data.length === 0) {
    return card(
      "Recent entries and hits",
      empty(
        "No cache events yet",
        mode === "off"
          ? "The cache is off for this tenant: set cache mode to exact or semantic on the Settings page, then send the same chat request twice — the first is a miss that stores the answer, the second a hit."
          : "Send a chat completion through the gateway, then the same one again: the first is a miss that stores the answer, the second a hit.",
      ),
    );
  }
  const body = h("div", { class: "cache-events" });
  const more = h("button", { type: "button", class: "button" }, "Load more");
  const status = h("div", { role: "status", class: "muted" });
  /** @type {CacheEvent[]} */
  const rows = [];
  /** @param {import("../types").List<CacheEvent>} list */
  const show = (list) => {
    rows.push(...list.data);
    replace(body, stackAsCards(eventsTable(rows), ["Prompt"]));
    more.hidden = !list.has_more;
    status.textContent = `${rows.length} event${rows.length === 1 ? "" : "s"} shown${list.has_more ? "" : " (all kept)"}`;
  };
  more.addEventListener("click", () =>
    busy(more, async () => {
      const last = rows[rows.length - 1];
      try {
        /** @type {import("../types").List<CacheEvent>} */
        const next = await api(`${base}/cache/events`, {
          query: { limit: pageSize(ctx.query), before: last?.id },
          signal: ctx.signal,
        });
        show(next);
      } catch (err) {
        if (ctx.signal.aborted) return;
        replace(status, failure(err));
      }
    }),
  );
  show(first);
  return card("Recent entries and hits", [body, h("div", { class: "load-more" }, status, more)], [], {
    "data-card": "events",
  });
}

/** @param {CacheEvent[]} rows */
function eventsTable(rows) {
  return table(
    [
      {
        label: "When",
        cell: (e) => h("time", { datetime: new Date(e.at).toISOString() }, fmt.ago(e.at / 1000)),
      },
      {
        label: "Outcome",
        cell: (e) => [
          badge(OUTCOMES[e.outcome]?.label ?? e.outcome, OUTCOMES[e.outcome]?.tone ?? "muted"),
          e.outcome === "miss" && e.stored ? " stored" : "",
          e.shadow ? " " : "",
          e.shadow
            ? badge(
                e.shadow.false_hit ? "shadow: false hit" : "shadow: would hit",
                e.shadow.false_hit ? "bad" : "ok",
              )
            : "",
        ],
      },
      { label: "Model", cell: (e) => h("span", { class: "mono" }, e.model ?? "—") },
      {
        label: "Similarity",
        align: "num",
        cell: (e) => {
          if (e.similarity !== null) return e.similarity.toFixed(3);
          // A shadow check: how close the would-be semantic hit was.
          if (e.shadow) return `${e.shadow.similarity.toFixed(3)} (shadow)`;
          return "—";
        },
      },
      { label: "Prompt", cell: (e) => h("span", { class: "preview" }, e.preview || "—") },
      { label: "Latency", align: "num", cell: (e) => fmt.ms(e.latency_ms) },
      {
        label: "Tokens saved",
        align: "num",
        cell: (e) => fmt.int(e.input_tokens_saved + e.output_tokens_saved),
      },
    ],
    rows,
    { rowAttrs: (e) => ({ "data-outcome": e.outcome, "data-event": e.id }) },
  );
}

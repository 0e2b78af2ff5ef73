// @ts-check
/**
 * Overview: a tenant's traffic at a glance. Totals from `GET …/stats`, plots from `GET …/traffic`
 * over the last hour (per minute), 24 hours (per hour) or 30 days (per day).
 */
import { api, tenantPath } from "../api.js";
import { fillBuckets, lineChart, stackedBars } from "../chart.js";
import { card, copyButton, empty, fmt, h, replace, stat } from "../ui.js";

/** @typedef {import("../types").CacheStats} CacheStats */
/** @typedef {import("../types").Traffic} Traffic */
/** @typedef {import("../types").TrafficBucket} TrafficBucket */

/**
 * The ranges offered, as `?range=` values.
 * @type {Record<string, { label: string, bucket: "minute" | "hour" | "day", seconds: number, step: number }>}
 */
const RANGES = {
  "1h": { label: "Last hour", bucket: "minute", seconds: 3600, step: 60 },
  "24h": { label: "Last 24 hours", bucket: "hour", seconds: 86_400, step: 3600 },
  "30d": { label: "Last 30 days", bucket: "day", seconds: 30 * 86_400, step: 86_400 },
};

/** @param {number} start @returns {TrafficBucket} */
const zero = (start) => ({
  start,
  requests: 0,
  errors: 0,
  hits: 0,
  semantic_hits: 0,
  coalesced: 0,
  misses: 0,
  bypasses: 0,
  input_tokens_saved: 0,
  output_tokens_saved: 0,
  cost_saved_usd: 0,
  upstream_input_tokens: 0,
  upstream_cached_tokens: 0,
  upstream_cache_write_tokens: 0,
  upstream_cache_write_extra_usd: 0,
  shadow_checks: 0,
  shadow_false_hits: 0,
});

/**
 * A top for a count axis whose four grid steps are whole numbers (1, 2 or 5 × 10ⁿ each).
 * @param {number[]} values
 */
function countMax(values) {
  const quarter = Math.max(1, ...values) / 4;
  const magnitude = 10 ** Math.floor(Math.log10(quarter));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= quarter) ?? 10 * magnitude;
  return 4 * Math.max(1, Math.round(step));
}

/** Dollars, with enough digits that a small saving is not shown as zero. @param {number} usd */
const usd = (usd) =>
  usd > 0 && usd < 0.01 ? `$${usd.toFixed(Math.min(8, 1 - Math.floor(Math.log10(usd))))}` : fmt.usd(usd);

/** @param {number} served @param {number} total */
const ratio = (served, total) => (total > 0 ? served / total : 0);

/** @type {import("../types").Page} */
export const page = {
  title: "Overview",
  async render(ctx) {
    const rangeKey = ctx.query.get("range") ?? "24h";
    const range = RANGES[rangeKey] ?? RANGES["24h"];
    const until = Math.floor(Date.now() / 1000);
    const since = until - range.seconds;
    const base = tenantPath(ctx.tenantId);
    const [stats, traffic] = await Promise.all([
      api(`${base}/stats`, { signal: ctx.signal }).then((b) => /** @type {CacheStats} */ (b)),
      api(`${base}/traffic`, { query: { bucket: range.bucket, since, until }, signal: ctx.signal }).then(
        (b) => /** @type {Traffic} */ (b),
      ),
    ]);

    const head = h(
      "div",
      { class: "page-head" },
      h("h1", {}, "Overview"),
      h(
        "div",
        { class: "segmented", role: "group", "aria-label": "Time range" },
        Object.entries(RANGES).map(([key, r]) =>
          h(
            "button",
            {
              type: "button",
              class: "button button-small",
              "aria-pressed": String(r === range),
              onclick: () => ctx.navigate(`#/overview?range=${key}`),
            },
            r.label,
          ),
        ),
      ),
    );

    if (stats.requests === 0 && (stats.errors ?? 0) === 0 && traffic.data.length === 0) {
      replace(ctx.root, head, noTraffic());
      return;
    }

    const buckets = fillBuckets(traffic.data, since, until, range.step, zero);
    const inRange = traffic.data.reduce(
      (acc, b) => ({ requests: acc.requests + b.requests, errors: acc.errors + b.errors }),
      { requests: 0, errors: 0 },
    );
    const figures = h(
      "section",
      { class: "stats", "aria-label": "Totals" },
      stat("Requests", fmt.int(stats.requests), "through the cache, all time"),
      stat("Hit rate", fmt.percent(stats.hit_rate), "exact, semantic and coalesced"),
      stat(
        "Tokens saved",
        fmt.int(stats.tokens_saved.input + stats.tokens_saved.output),
        `${fmt.int(stats.tokens_saved.input)} in · ${fmt.int(stats.tokens_saved.output)} out`,
      ),
      stat("Money saved", usd(stats.cost_saved_usd), "at the model's list price"),
      stat(
        "Provider cached tokens",
        fmt.int(stats.upstream.cached_tokens),
        `of ${fmt.int(stats.upstream.input_tokens)} input tokens sent upstream`,
      ),
      stat("Errors", fmt.int(stats.errors ?? 0), "model calls answered with status ≥ 400"),
      stat(
        "Error rate",
        fmt.percent(ratio(inRange.errors, inRange.requests)),
        `${fmt.int(inRange.errors)} of ${fmt.int(inRange.requests)} calls, ${range.label.toLowerCase()}`,
      ),
    );

    replace(ctx.root, head, figures, traffic.data.length ? plots(buckets, range) : quietRange(range));
  },
};

/**
 * The plots of one range.
 * @param {TrafficBucket[]} buckets gap-free
 * @param {{ label: string, bucket: string }} range
 */
function plots(buckets, range) {
  const xs = buckets.map((b) => b.start);
  /** @param {number} x */
  const xFormat = (x) =>
    range.bucket === "day"
      ? new Date(x * 1000).toLocaleDateString("en-GB", { day: "numeric", month: "short", timeZone: "UTC" })
      : new Date(x * 1000).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
  /** @param {(b: TrafficBucket) => number} pick */
  const series = (pick) => buckets.map(pick);
  const cached = (/** @type {TrafficBucket} */ b) =>
    b.hits + b.semantic_hits + b.coalesced + b.misses + b.bypasses;
  const percent = (/** @type {number} */ y) => `${Math.round(y * 100)}%`;
  const compact = (/** @type {number} */ y) => fmt.compact(y);

  return h(
    "div",
    { class: "grid" },
    card(
      "Requests by outcome",
      stackedBars({
        label: `Requests by cache outcome, ${range.label.toLowerCase()}`,
        xs,
        xFormat,
        yMax: countMax(buckets.map((b) => Math.max(b.requests, cached(b)))),
        series: [
          { name: "Exact hits", tone: "b", values: series((b) => b.hits) },
          { name: "Semantic hits", tone: "d", values: series((b) => b.semantic_hits) },
          { name: "Coalesced", tone: "a", values: series((b) => b.coalesced) },
          { name: "Misses", tone: "c", values: series((b) => b.misses) },
          { name: "Bypasses", tone: "f", values: series((b) => b.bypasses) },
          {
            name: "Not through the cache",
            tone: "e",
            values: series((b) => Math.max(0, b.requests - cached(b))),
          },
        ],
      }),
      [],
      { "data-plot": "outcomes" },
    ),
    card(
      "Hit rate",
      stackedBars({
        label: `Cache hit rate by kind, ${range.label.toLowerCase()}`,
        xs,
        xFormat,
        yMax: 1,
        yFormat: percent,
        series: [
          { name: "Exact", tone: "b", values: series((b) => ratio(b.hits, cached(b))) },
          { name: "Semantic", tone: "d", values: series((b) => ratio(b.semantic_hits, cached(b))) },
          { name: "Coalesced", tone: "a", values: series((b) => ratio(b.coalesced, cached(b))) },
        ],
      }),
      [],
      { "data-plot": "hit-rate" },
    ),
    card(
      "Errors",
      stackedBars({
        label: `Answered and failed model calls, ${range.label.toLowerCase()}`,
        xs,
        xFormat,
        yMax: countMax(buckets.map((b) => b.requests)),
        series: [
          { name: "Answered", tone: "f", values: series((b) => Math.max(0, b.requests - b.errors)) },
          { name: "Errors (status ≥ 400)", tone: "e", values: series((b) => b.errors) },
        ],
      }),
      [],
      { "data-plot": "errors" },
    ),
    card(
      "Error rate",
      stackedBars({
        label: `Error rate, ${range.label.toLowerCase()}`,
        xs,
        xFormat,
        yMax: 1,
        yFormat: percent,
        series: [
          {
            name: "Share of calls that failed",
            tone: "e",
            values: series((b) => ratio(b.errors, b.requests)),
          },
        ],
      }),
      [],
      { "data-plot": "error-rate" },
    ),
    card(
      "Tokens saved by the cache",
      stackedBars({
        label: `Tokens saved, ${range.label.toLowerCase()}`,
        xs,
        xFormat,
        yMax: countMax(buckets.map((b) => b.input_tokens_saved + b.output_tokens_saved)),
        yFormat: compact,
        series: [
          { name: "Input tokens saved", tone: "a", values: series((b) => b.input_tokens_saved) },
          { name: "Output tokens saved", tone: "b", values: series((b) => b.output_tokens_saved) },
        ],
      }),
      [],
      { "data-plot": "tokens-saved" },
    ),
    card(
      "Provider prefix cache",
      lineChart({
        label: `Provider cached tokens and input tokens, ${range.label.toLowerCase()}`,
        xs,
        xFormat,
        yMax: countMax(buckets.map((b) => b.upstream_input_tokens)),
        yFormat: compact,
        series: [
          { name: "Input tokens sent upstream", tone: "a", values: series((b) => b.upstream_input_tokens) },
          {
            name: "Of which cached by the provider",
            tone: "b",
            values: series((b) => b.upstream_cached_tokens),
          },
        ],
      }),
      [],
      { "data-plot": "provider-cache" },
    ),
  );
}

/** @param {{ label: string }} range */
function quietRange(range) {
  return empty(
    `No traffic in the ${range.label.toLowerCase()}`,
    "The totals above cover all time. Pick a longer range, or send a request through the gateway to see it here.",
  );
}

/** The empty state of a tenant that has never sent a request: how to send one. */
function noTraffic() {
  const base = `${location.origin}/v1`;
  const curl = [
    `curl ${base}/chat/completions \\`,
    '  -H "Authorization: Bearer $EDGEGATE_API_KEY" \\',
    '  -H "Content-Type: application/json" \\',
    `  -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello"}]}'`,
  ].join("\n");
  const sdk = [
    'import OpenAI from "openai";',
    `const client = new OpenAI({ baseURL: "${base}", apiKey: process.env.EDGEGATE_API_KEY });`,
    'await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hello" }] });',
  ].join("\n");
  return empty(
    "No traffic yet",
    "Point any OpenAI client at this gateway's /v1 with one of the tenant's API keys.",
    h(
      "div",
      { class: "snippets" },
      h(
        "p",
        {},
        "Create a key on the ",
        h("a", { href: "#/keys" }, "Keys"),
        " page. Turn the cache on in ",
        h("a", { href: "#/settings" }, "Settings"),
        " and send the same request twice to see a hit.",
      ),
      h("div", { class: "snippet-head" }, h("strong", {}, "curl"), copyButton(curl, "Copy curl")),
      h("pre", {}, h("code", {}, curl)),
      h("div", { class: "snippet-head" }, h("strong", {}, "OpenAI SDK (Node)"), copyButton(sdk, "Copy SDK")),
      h("pre", {}, h("code", {}, sdk)),
    ),
  );
}

// @ts-check
/**
 * One evaluation as the page shows it: status, a summary plot (pass rate, mean score and win rate
 * per model), the summary table, and each item's baseline and candidate outputs side by side.
 */
import { badge, empty, fmt, h, loading, table } from "../../ui.js";
import { preview, stack, usd } from "./common.js";
import { statusBadge } from "./jobs.js";

/** @typedef {import("./types").Evaluation} Evaluation */
/** @typedef {import("./types").ModelSummary} ModelSummary */

/**
 * Bars per model for each ratio of the summary (HTML bars; widths are data, so set through CSSOM).
 * @param {ModelSummary[]} summary
 */
export function summaryPlot(summary) {
  /** @type {[keyof ModelSummary & ("pass_rate" | "mean_score" | "win_rate"), string][]} */
  const metrics = [
    ["pass_rate", "Pass rate"],
    ["mean_score", "Mean score"],
    ["win_rate", "Win rate"],
  ];
  const roles = ["Baseline", "Candidate"];
  const description = summary
    .map(
      (s, i) =>
        `${roles[i] ?? "Model"} ${s.model}: pass rate ${fmt.percent(s.pass_rate)}, mean score ${s.mean_score.toFixed(2)}`,
    )
    .join("; ");
  return h(
    "figure",
    { class: "ds-bars", role: "img", "aria-label": `Evaluation summary. ${description}` },
    metrics.map(([key, label]) =>
      h(
        "div",
        { class: "ds-bar-group" },
        h("div", { class: "ds-bar-title" }, label),
        summary.map((s, i) => {
          const fill = h("span", { class: `ds-bar-fill series-${i === 0 ? "f" : "a"}` });
          fill.style.width = `${Math.max(0, Math.min(1, s[key])) * 100}%`;
          return h(
            "div",
            { class: "ds-bar-row" },
            h("span", { class: "ds-bar-label" }, `${roles[i] ?? "Model"}: ${s.model}`),
            h("span", { class: "ds-bar-track" }, fill),
            h(
              "span",
              { class: "ds-bar-value" },
              key === "mean_score" ? s[key].toFixed(2) : fmt.percent(s[key]),
            ),
          );
        }),
      ),
    ),
  );
}

/** @param {import("./types").ModelResult | undefined} r */
function output(r) {
  if (!r) return "—";
  return h(
    "div",
    { class: "ds-output" },
    h(
      "div",
      { class: "ds-output-score" },
      r.error ? badge("error", "bad") : r.passed ? badge("pass", "ok") : badge("fail", "warn"),
      ` score ${r.score.toFixed(2)} · ${fmt.ms(r.latency_ms)}`,
    ),
    h("div", { class: "ds-text" }, r.error ?? preview(r.output, 600)),
  );
}

/** @param {Evaluation} ev */
export function evalView(ev) {
  const [baseline = "baseline", candidate = "candidate"] = ev.models;
  const head = h(
    "p",
    {},
    statusBadge(ev.status),
    ` ${ev.grader.type} grader · ${ev.progress.done} of ${ev.progress.total} item(s)`,
    ev.error ? h("span", { class: "form-error" }, ` ${ev.error}`) : null,
  );
  const items = ev.items ?? [];
  return h(
    "div",
    { class: "ds-eval", "data-eval": ev.id, "data-status": ev.status },
    head,
    ev.summary
      ? [
          summaryPlot(ev.summary),
          stack(
            table(
              [
                { label: "Model", cell: (s) => h("code", {}, s.model) },
                { label: "Pass rate", cell: (s) => fmt.percent(s.pass_rate), align: "num" },
                { label: "Mean score", cell: (s) => s.mean_score.toFixed(2), align: "num" },
                { label: "Errors", cell: (s) => fmt.int(s.errors), align: "num" },
                { label: "p50 latency", cell: (s) => fmt.ms(s.latency_ms_p50), align: "num" },
                { label: "Cost", cell: (s) => usd(s.cost_usd), align: "num" },
              ],
              ev.summary,
              { caption: "Summary per model" },
            ),
          ),
        ]
      : null,
    items.length
      ? stack(
          table(
            [
              { label: "Reference", cell: (i) => h("div", { class: "ds-text" }, preview(i.reference, 400)) },
              { label: `Baseline (${baseline})`, cell: (i) => output(i.results[0]) },
              { label: `Candidate (${candidate})`, cell: (i) => output(i.results[1]) },
            ],
            items,
            {
              caption: "Per item: baseline vs candidate",
              rowAttrs: (i) => ({ "data-example": i.example_id }),
            },
          ),
        )
      : ev.status === "completed"
        ? empty("No items", "The validation split had no examples.")
        : loading("the first results"),
  );
}

// @ts-check
/**
 * Evaluations tab: run [baseline, candidate] on the validation split, then per item the two
 * outputs side by side with their scores, and a summary plot (pass rate, mean score, win rate).
 */
import { api } from "../../api.js";
import { card, empty, failure, field, fmt, h, loading, replace, showFormError, table } from "../../ui.js";
import { datasetPath, isAbort, onSubmit, stack, wait } from "./common.js";
import { evalView } from "./eval-view.js";
import { statusBadge } from "./jobs.js";

/** @typedef {import("./common.js").TabContext} TabContext */
/** @typedef {import("./types").Evaluation} Evaluation */
/** @typedef {import("./types").ModelSummary} ModelSummary */

/** @param {string} id @param {AbortSignal} signal @returns {Promise<Evaluation>} */
export const getEval = (id, signal) => api(`/v1/evals/${encodeURIComponent(id)}`, { signal });

/**
 * A dataset's evaluations, newest first, without per-item results.
 * @param {string} datasetId @param {AbortSignal} signal
 * @returns {Promise<Evaluation[]>}
 */
export async function listEvals(datasetId, signal) {
  /** @type {{ data: Evaluation[] }} */
  const res = await api(datasetPath(datasetId, "/evals"), { query: { limit: 50 }, signal });
  return res.data;
}

/** @param {TabContext} t @param {(id: string) => void} started */
function runForm(t, started) {
  const { dataset, page } = t;
  const grader = h(
    "select",
    { name: "grader" },
    h("option", { value: "exact" }, "Exact match"),
    h("option", { value: "text_similarity" }, "Text similarity"),
    h("option", { value: "json_equal" }, "JSON equal"),
    h("option", { value: "llm_judge" }, "LLM judge"),
  );
  const judge = h(
    "div",
    { class: "ds-fields", hidden: true },
    field("Judge model", h("input", { name: "judge_model", value: "gpt-4o-mini" })),
    field(
      "Rubric",
      h("input", { name: "rubric", value: "Is the answer correct and as helpful as the reference?" }),
    ),
  );
  grader.addEventListener("change", () => {
    judge.hidden = grader.value !== "llm_judge";
  });
  const models = h("datalist", { id: "ds-models" });
  api(datasetPath(dataset.id, "/fine_tuning_jobs"), { signal: page.signal })
    .then((value) => {
      const res = /** @type {import("../../types").List<import("./types").FineTuningJob>} */ (value);
      for (const j of res.data)
        if (j.fine_tuned_model) models.append(h("option", { value: j.fine_tuned_model }));
    })
    .catch(() => undefined);
  const form = h(
    "form",
    { class: "ds-run-eval", "aria-label": "Run an evaluation" },
    h(
      "div",
      { class: "ds-fields" },
      field(
        "Baseline model",
        h("input", { name: "baseline", required: true, value: "gpt-4o-mini", list: "ds-models" }),
      ),
      field(
        "Candidate model",
        h("input", { name: "candidate", required: true, list: "ds-models", placeholder: "ft:gpt-4o-mini:…" }),
      ),
      field("Grader", grader),
      field("Items (max)", h("input", { name: "max_items", type: "number", min: 1, max: 1000, value: 50 })),
    ),
    judge,
    models,
    h("div", { class: "form-error", role: "alert" }),
    h("button", { type: "submit", class: "button button-primary" }, "Run evaluation"),
  );
  onSubmit(form, async (text) => {
    const type = text("grader");
    /** @type {Record<string, unknown>} */
    const g =
      type === "llm_judge"
        ? { type, model: text("judge_model"), rubric: text("rubric") }
        : type === "text_similarity"
          ? { type, threshold: 0.8 }
          : { type };
    try {
      /** @type {Evaluation} */
      const ev = await api(datasetPath(dataset.id, "/evals"), {
        method: "POST",
        body: {
          models: [text("baseline"), text("candidate")],
          grader: g,
          max_items: Number(text("max_items") || 50),
        },
        signal: page.signal,
      });
      started(ev.id);
    } catch (err) {
      showFormError(form, err, (p) =>
        p.startsWith("models.1")
          ? "candidate"
          : p.startsWith("models")
            ? "baseline"
            : p.startsWith("max_items")
              ? "max_items"
              : null,
      );
    }
  });
  return form;
}

/** @param {TabContext} t */
export async function evalsTab(t) {
  const { dataset, page } = t;
  const detail = h("div", {});
  const list = h("div", {});
  /** @type {string | null} */
  let selected = page.query.get("eval");
  replace(
    t.root,
    card("Run an evaluation", [
      h(
        "p",
        { class: "muted" },
        `Both models answer the ${dataset.example_counts.validation} validation example(s); each answer is graded against the reference.`,
      ),
      runForm(t, (id) => {
        selected = id;
        show().catch(() => undefined);
      }),
    ]),
    card("Evaluations", list),
    card("Results side by side", detail),
  );

  let run = 0;
  const show = async () => {
    const mine = ++run;
    const evs = await listEvals(dataset.id, page.signal);
    if (mine !== run) return;
    if (evs.length === 0) {
      replace(
        list,
        empty(
          "No evaluations yet",
          "Run one above: a base model as baseline, your fine-tuned model as candidate.",
        ),
      );
      replace(
        detail,
        empty("Nothing to compare yet", "Results appear here per item once an evaluation runs."),
      );
      return;
    }
    selected = selected && evs.some((e) => e.id === selected) ? selected : (evs[0]?.id ?? null);
    if (mine !== run) return;
    replace(
      list,
      stack(
        table(
          [
            { label: "Evaluation", cell: (e) => h("code", {}, e.id) },
            { label: "Status", cell: (e) => statusBadge(e.status) },
            { label: "Baseline", cell: (e) => e.models[0] ?? "—" },
            { label: "Candidate", cell: (e) => e.models[1] ?? "—" },
            {
              label: "Pass rate",
              cell: (e) => (e.summary ? e.summary.map((s) => fmt.percent(s.pass_rate)).join(" vs ") : "—"),
            },
            {
              label: "",
              cell: (e) =>
                h(
                  "button",
                  {
                    type: "button",
                    class: "button button-small",
                    "aria-label": `Show results of ${e.id}`,
                    onclick: () => {
                      selected = e.id;
                      show().catch(() => undefined);
                    },
                  },
                  "Show",
                ),
            },
          ],
          evs,
          { rowAttrs: (e) => ({ "data-selected": String(e.id === selected) }) },
        ),
      ),
    );
    // The list has no per-item results: the selected evaluation is read whole.
    const current = selected ? await getEval(selected, page.signal).catch(() => null) : null;
    if (mine !== run) return;
    replace(
      detail,
      current ? evalView(current) : empty("Evaluation not found", "It may belong to another tenant."),
    );
    if (current && (current.status === "queued" || current.status === "in_progress")) {
      await wait(1200, page.signal);
      if (mine === run) await show();
    }
  };
  replace(list, loading("evaluations"));
  try {
    await show();
  } catch (err) {
    if (isAbort(err)) return;
    replace(
      list,
      failure(err, () => evalsTab(t)),
    );
  }
}

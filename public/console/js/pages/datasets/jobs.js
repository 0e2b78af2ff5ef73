// @ts-check
/**
 * Fine-tuning tab: start a job from the dataset, the dataset's jobs with their status (polled while
 * one runs), and the training loss per step from the job's `metrics` events.
 */
import { api } from "../../api.js";
import { lineChart } from "../../chart.js";
import {
  badge,
  card,
  empty,
  failure,
  field,
  fmt,
  h,
  loading,
  replace,
  showFormError,
  table,
} from "../../ui.js";
import { datasetPath, isAbort, onSubmit, stack, wait } from "./common.js";

/** @typedef {import("./common.js").TabContext} TabContext */
/** @typedef {import("./types").FineTuningJob} FineTuningJob */
/** @typedef {import("./types").FineTuningEvent} FineTuningEvent */

const FINISHED = ["succeeded", "failed", "cancelled"];

/** @param {string} status */
export function statusBadge(status) {
  const tone =
    status === "succeeded" || status === "completed"
      ? "ok"
      : status === "failed" || status === "cancelled"
        ? "bad"
        : "info";
  return badge(status.replaceAll("_", " "), tone);
}

/**
 * Loss per step from `metrics` events (`data.step`, `data.train_loss`, `data.valid_loss`).
 * @param {FineTuningEvent[]} events
 */
function metricsOf(events) {
  const points = new Map();
  for (const e of events) {
    // OpenAI types `data` as unknown: a metrics event's is an object of numbers.
    const d = /** @type {Record<string, unknown> | null | undefined} */ (e.data);
    if (e.type !== "metrics" || !d || typeof d.step !== "number" || typeof d.train_loss !== "number")
      continue;
    points.set(d.step, {
      step: d.step,
      train: d.train_loss,
      valid: typeof d.valid_loss === "number" ? d.valid_loss : null,
    });
  }
  return [...points.values()].sort((a, b) => a.step - b.step);
}

/** @param {FineTuningJob} job @param {FineTuningEvent[]} events */
function metricsView(job, events) {
  const points = metricsOf(events);
  if (points.length === 0) {
    return empty(
      "No training metrics yet",
      FINISHED.includes(job.status)
        ? "The provider reported no metrics events for this job."
        : "Loss appears here as the provider reports training steps.",
    );
  }
  const series = [{ name: "Training loss", values: points.map((p) => p.train), tone: "a" }];
  if (points.every((p) => p.valid !== null)) {
    series.push({ name: "Validation loss", values: points.map((p) => p.valid ?? 0), tone: "c" });
  }
  const last = points[points.length - 1];
  return h(
    "div",
    { class: "ds-metrics", "data-points": points.length },
    lineChart({
      xs: points.map((p) => p.step),
      series,
      xFormat: (x) => `step ${x}`,
      yFormat: (y) => y.toFixed(2),
      label: `Training loss per step of ${job.id}`,
    }),
    last ? h("p", { class: "muted" }, `Step ${last.step}: training loss ${last.train}`) : null,
  );
}

/** @param {TabContext} t */
function startForm(t) {
  const { dataset, page } = t;
  const model = h("input", {
    name: "model",
    required: dataset.kind !== "vision",
    value: dataset.kind === "vision" ? "gpt-4o-2024-08-06" : "gpt-4o-mini-2024-07-18",
  });
  const form = h(
    "form",
    { class: "ds-start", "aria-label": "Start a fine-tuning job" },
    h(
      "div",
      { class: "ds-fields" },
      field("Base model", model),
      field("Suffix", h("input", { name: "suffix", maxlength: 64, placeholder: "support-v1" })),
      field("Epochs", h("input", { name: "n_epochs", type: "number", min: 1, max: 50, placeholder: "auto" })),
      field(
        "Method",
        h(
          "select",
          { name: "method" },
          h("option", { value: "supervised" }, "Supervised"),
          h("option", { value: "dpo" }, "DPO (preference pairs from corrections)"),
        ),
      ),
    ),
    h("div", { class: "form-error", role: "alert" }),
    h("button", { type: "submit", class: "button button-primary" }, "Start fine-tuning"),
  );
  onSubmit(form, async (text) => {
    const method = text("method");
    const epochs = Number(text("n_epochs") || 0);
    /** @type {Record<string, unknown>} */
    const body = { model: text("model") };
    if (text("suffix")) body.suffix = text("suffix");
    body.method = { type: method, [method]: epochs ? { hyperparameters: { n_epochs: epochs } } : {} };
    try {
      await api(datasetPath(dataset.id, "/fine_tuning_jobs"), {
        method: "POST",
        body,
        signal: page.signal,
      });
      page.refresh();
    } catch (err) {
      showFormError(form, err, (p) => (p.includes("n_epochs") ? "n_epochs" : p === "dataset_id" ? null : p));
    }
  });
  return form;
}

/** @param {TabContext} t */
export async function jobsTab(t) {
  const { dataset, page } = t;
  const list = h("div", {}, loading("fine-tuning jobs"));
  const plot = h("div", {});
  /** @type {string | null} */
  let selected = page.query.get("job");
  replace(
    t.root,
    card("Start a fine-tuning job", [
      h(
        "p",
        { class: "muted" },
        `Uploads the splits (${dataset.example_counts.train} training, ${dataset.example_counts.validation} validation examples) and starts a job; at least 10 training examples are needed.`,
      ),
      startForm(t),
    ]),
    card("Fine-tuning jobs", list),
    card("Training metrics", plot),
  );

  /** @param {FineTuningJob[]} jobs */
  const drawList = (jobs) => {
    if (jobs.length === 0) {
      replace(
        list,
        empty(
          "No fine-tuning jobs yet",
          "Start one above once the dataset has at least 10 training examples.",
        ),
      );
      return;
    }
    replace(
      list,
      stack(
        table(
          [
            { label: "Job", cell: (j) => h("code", {}, j.id) },
            { label: "Status", cell: (j) => statusBadge(j.status) },
            { label: "Base model", cell: (j) => j.model },
            {
              label: "Fine-tuned model",
              cell: (j) => (j.fine_tuned_model ? h("code", {}, j.fine_tuned_model) : "—"),
            },
            { label: "Created", cell: (j) => (j.created_at ? fmt.time(j.created_at) : "—") },
            {
              label: "Metrics",
              cell: (j) =>
                h(
                  "button",
                  {
                    type: "button",
                    class: "button button-small",
                    "aria-pressed": String(j.id === selected),
                    "aria-label": `Show metrics of ${j.id}`,
                    onclick: () => {
                      selected = j.id;
                      drawList(jobs);
                      refreshPlot(jobs).catch(() => undefined);
                    },
                  },
                  "Show metrics",
                ),
            },
          ],
          jobs,
          {
            rowAttrs: (j) => ({
              "data-job": j.id,
              "data-status": j.status,
              "data-selected": String(j.id === selected),
            }),
          },
        ),
      ),
    );
  };

  /** @param {FineTuningJob[]} jobs */
  const refreshPlot = async (jobs) => {
    const job = jobs.find((j) => j.id === selected);
    if (!job) {
      replace(plot, empty("No job selected", "Start a job; its training loss is plotted here."));
      return;
    }
    /** @type {import("../../types").List<FineTuningEvent>} */
    const events = await api(`/v1/fine_tuning/jobs/${encodeURIComponent(job.id)}/events`, {
      query: { limit: 100 },
      signal: page.signal,
    });
    replace(plot, h("h3", {}, job.fine_tuned_model ?? job.id), metricsView(job, events.data));
  };

  try {
    for (;;) {
      /** @type {import("../../types").List<FineTuningJob>} */
      const res = await api(datasetPath(dataset.id, "/fine_tuning_jobs"), { signal: page.signal });
      if (!selected || !res.data.some((j) => j.id === selected)) selected = res.data[0]?.id ?? null;
      drawList(res.data);
      await refreshPlot(res.data).catch((err) => {
        if (isAbort(err)) throw err;
        replace(plot, failure(err));
      });
      if (res.data.every((j) => FINISHED.includes(j.status))) return;
      await wait(1500, page.signal);
    }
  } catch (err) {
    if (isAbort(err)) return;
    replace(
      list,
      failure(err, () => jobsTab(t)),
    );
  }
}

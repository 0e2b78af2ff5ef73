// @ts-check
/**
 * Examples tab: the stored examples with their validation state (`POST /v1/datasets/{id}/validate`;
 * vision datasets with `stored=true`, polled when it runs in the background), and a box to check
 * new JSONL lines before adding them.
 */
import { api } from "../../api.js";
import { badge, busy, card, empty, failure, field, fmt, h, loading, replace, stat, toast } from "../../ui.js";
import { datasetPath, isAbort, onSubmit, pollUntil, usd } from "./common.js";
import { exampleView, statesOf } from "./example-view.js";

/** @typedef {import("./common.js").TabContext} TabContext */
/** @typedef {import("./types").DatasetExample} DatasetExample */
/** @typedef {import("./types").ValidationReport} ValidationReport */
/** @typedef {import("./example-view.js").ExampleState} ExampleState */

const PAGE = 50;

/** @param {ValidationReport} report */
function summaryView(report) {
  const s = report.summary;
  const states = statesOf(report);
  const invalid = [...states.values()].filter((x) => !x.valid).length;
  return h(
    "div",
    { class: "ds-summary", role: "status", "aria-label": "Validation summary" },
    h(
      "p",
      {},
      report.valid ? badge("valid", "ok") : badge("invalid", "bad"),
      ` ${report.total - invalid} of ${report.total} example(s) valid`,
    ),
    s
      ? h(
          "div",
          { class: "stats" },
          stat("Valid examples", fmt.int(s.valid_examples)),
          stat("Invalid examples", fmt.int(s.invalid_examples)),
          stat("Images", fmt.int(s.images), `${fmt.int(s.unique_images)} unique`),
          stat("Estimated tokens", fmt.int(s.estimated_tokens)),
          stat("Estimated cost", usd(s.estimated_cost_usd), "per epoch of training"),
        )
      : null,
    s?.errors.length
      ? h(
          "ul",
          { class: "issues" },
          s.errors.map((e) => h("li", { class: "issue issue-bad" }, e.message)),
        )
      : null,
  );
}

/**
 * Validates; a vision validation too big for one request runs in the background and is polled.
 * @param {TabContext} t
 * @param {{ stored: boolean, examples?: unknown[] }} what
 * @param {(text: string) => void} progress
 * @returns {Promise<ValidationReport>}
 */
async function validate(t, what, progress) {
  const { dataset, page } = t;
  /** @type {import("../../api.js").RequestOptions} */
  const opts = { method: "POST", signal: page.signal };
  if (what.stored) opts.query = { stored: "true" };
  else opts.body = { examples: what.examples };
  /** @type {ValidationReport | import("./types").ValidationRun} */
  const first = await api(datasetPath(dataset.id, "/validate"), opts);
  if (first.object === "dataset.validation") return first;
  let run = first;
  await pollUntil(
    async () => {
      run = await api(datasetPath(dataset.id, `/validations/${encodeURIComponent(run.id)}`), {
        signal: page.signal,
      });
      progress(`Checking images: ${run.progress.images_checked} of ${run.progress.images_total}…`);
      return run.status !== "in_progress";
    },
    page.signal,
    1000,
  );
  if (run.status === "failed" || !run.report) throw new Error(run.error?.message ?? "The validation failed.");
  return run.report;
}

/**
 * Signed URLs of the images the gateway keeps (`edgegate-image:` references of captured traffic):
 * an `images=url` export names each by its sha256.
 * @param {TabContext} t
 * @returns {Promise<Map<string, string>>}
 */
async function signedImages(t) {
  /** @type {string} */
  const text = await api(datasetPath(t.dataset.id, "/export"), {
    query: { images: "url", skip_invalid: "true" },
    as: "text",
    signal: t.page.signal,
  });
  const map = new Map();
  for (const m of text.matchAll(/https?:\/\/[^"\s]*\/v1\/images\/([0-9a-f]{64})\?[^"\s]*/g)) {
    map.set(m[1], m[0]);
  }
  return map;
}

/** @param {DatasetExample[]} rows */
function hasStoredImages(rows) {
  return JSON.stringify(rows.map((r) => r.example)).includes("edgegate-image:sha256:");
}

/** @param {TabContext} t */
function storedExamples(t) {
  const { dataset, page } = t;
  /** @type {DatasetExample[]} */
  const rows = [];
  let hasMore = false;
  /** @type {Map<number, ExampleState>} */
  let states = new Map();
  /** @type {Map<string, string>} */
  let signed = new Map();
  const list = h("div", { class: "ds-examples" });
  const summary = h("div", {});
  const more = h("button", { type: "button", class: "button" }, "Load more examples");
  const validateButton = h("button", { type: "button", class: "button button-primary" }, "Validate examples");

  const draw = () => {
    if (rows.length === 0) {
      replace(
        list,
        empty(
          "No examples yet",
          "Import captured traffic (Import tab), or paste JSONL lines below and add them.",
        ),
      );
    } else {
      replace(
        list,
        rows.map((r, i) =>
          exampleView(r.example, {
            title: `Example ${i + 1}`,
            state: states.get(i) ?? null,
            signed,
            meta: [badge(r.split, "info"), h("span", { class: "muted mono" }, r.id)],
          }),
        ),
      );
    }
    more.hidden = !hasMore;
  };

  const load = async () => {
    /** @type {import("./types").ExamplePage} */
    const res = await api(datasetPath(dataset.id, "/examples"), {
      query: { limit: PAGE, after: rows[rows.length - 1]?.id },
      signal: page.signal,
    });
    rows.push(...res.data);
    hasMore = res.has_more;
    if (dataset.kind === "vision" && hasStoredImages(res.data)) {
      signed = await signedImages(t).catch(() => signed);
    }
    draw();
  };

  more.addEventListener("click", () => busy(more, load));
  validateButton.addEventListener("click", () =>
    busy(validateButton, async () => {
      replace(summary, loading("the validation"));
      try {
        const report =
          dataset.kind === "vision"
            ? await validate(t, { stored: true }, (text) =>
                replace(summary, h("p", { role: "status" }, text)),
              )
            : await validate(t, { stored: false, examples: rows.map((r) => r.example) }, () => undefined);
        states = statesOf(report);
        replace(summary, summaryView(report));
        draw();
      } catch (err) {
        if (isAbort(err)) return;
        replace(summary, failure(err));
      }
    }),
  );

  const root = card(
    `Examples (${fmt.int(dataset.example_counts.total)})`,
    [
      h(
        "p",
        { class: "muted" },
        dataset.kind === "vision"
          ? "Validation checks every stored example and image (format, colour mode, size), with token and cost estimates."
          : "Validation checks the loaded examples against the fine-tuning line format.",
      ),
      summary,
      list,
      more,
    ],
    [validateButton],
  );
  return { root, load };
}

/**
 * Parses pasted JSONL; a line that is not JSON is reported at once.
 * @param {string} text
 * @returns {{ values: unknown[] } | { error: string }}
 */
function parseLines(text) {
  const values = [];
  const lines = text.split("\n");
  for (const [i, line] of lines.entries()) {
    if (!line.trim()) continue;
    try {
      values.push(JSON.parse(line));
    } catch {
      return { error: `Line ${i + 1} is not valid JSON.` };
    }
  }
  return values.length ? { values } : { error: "Paste at least one JSONL line." };
}

/** @param {TabContext} t */
function checkBox(t) {
  const { dataset, page } = t;
  const input = h("textarea", {
    name: "jsonl",
    rows: 6,
    placeholder: '{"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!"}]}',
  });
  const out = h("div", { class: "ds-check-result" });
  const form = h(
    "form",
    { class: "ds-check", "aria-label": "Check examples" },
    field("Examples (JSONL, one per line)", input, "Checked without storing; add them once they are valid."),
    h("div", { class: "form-error", role: "alert" }),
    h(
      "div",
      { class: "ds-row" },
      h("button", { type: "submit", class: "button button-primary" }, "Check examples"),
      h("button", { type: "button", class: "button", name: "add" }, "Add to dataset"),
    ),
    out,
  );
  const formError = /** @type {HTMLElement} */ (form.querySelector(".form-error"));
  const parsed = () => {
    const p = parseLines(input.value);
    formError.textContent = "error" in p ? p.error : "";
    return "error" in p ? null : p.values;
  };
  onSubmit(form, async () => {
    const values = parsed();
    if (!values) return;
    replace(out, loading("the check"));
    try {
      const report = await validate(t, { stored: false, examples: values }, (text) =>
        replace(out, h("p", { role: "status" }, text)),
      );
      const states = statesOf(report);
      replace(
        out,
        summaryView(report),
        values.map((v, i) =>
          exampleView(/** @type {Record<string, unknown>} */ (v && typeof v === "object" ? v : {}), {
            title: `Line ${i + 1}`,
            state: states.get(i) ?? null,
          }),
        ),
      );
    } catch (err) {
      if (isAbort(err)) return;
      replace(out, failure(err));
    }
  });
  const add = /** @type {HTMLButtonElement} */ (form.querySelector("button[name=add]"));
  add.addEventListener("click", () => {
    const values = parsed();
    if (!values) return;
    busy(add, async () => {
      /** @type {{ added: number, duplicates: number }} */
      let res;
      try {
        res = await api(datasetPath(dataset.id, "/examples"), {
          method: "POST",
          body: { examples: values },
          signal: page.signal,
        });
      } catch (err) {
        formError.textContent = err instanceof Error ? err.message : String(err);
        return;
      }
      toast(`Added ${res.added} example(s), ${res.duplicates} duplicate(s) skipped.`);
      page.refresh();
    });
  });
  return card("Check and add examples", form);
}

/** @param {TabContext} t */
export async function examplesTab(t) {
  const stored = storedExamples(t);
  replace(t.root, loading("examples"));
  try {
    await stored.load();
  } catch (err) {
    if (isAbort(err)) return;
    replace(
      t.root,
      failure(err, () => examplesTab(t)),
    );
    return;
  }
  replace(t.root, stored.root, checkBox(t));
}

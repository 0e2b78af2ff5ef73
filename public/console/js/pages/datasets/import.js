// @ts-check
/**
 * Import tab: a filter over captured traffic (chat completions sent with `store: true`), previewed
 * with `dry_run: true` (how many would be added, a few sample rows), then imported with a report.
 */
import { api } from "../../api.js";
import { busy, card, empty, field, fmt, h, replace, showFormError, stat, table, toast } from "../../ui.js";
import { datasetPath, onSubmit, stack, unixOf } from "./common.js";

/** @typedef {import("./common.js").TabContext} TabContext */
/** @typedef {import("./types").ImportReport} ImportReport */

/** @param {string} name @param {Record<string, string | number | boolean>} [attrs] */
const input = (name, attrs = {}) => h("input", { name, ...attrs });

/** Maps the API's `param` (e.g. `filter.min_score`) to a field of the form. @param {string} param */
const fieldOf = (param) => {
  const name = param.replace(/^filter\./, "");
  return name.startsWith("metadata") ? "metadata_value" : name;
};

/** The import request of the filter form. @param {(name: string) => string} text */
function filterOf(text) {
  /** @type {Record<string, unknown>} */
  const filter = {};
  if (text("model")) filter.model = text("model");
  if (text("metadata_key")) filter.metadata = { [text("metadata_key")]: text("metadata_value") };
  const after = unixOf(text("created_after"));
  const before = unixOf(text("created_before"));
  if (after !== undefined) filter.created_after = after;
  if (before !== undefined) filter.created_before = before;
  if (text("min_score") !== "") filter.min_score = Number(text("min_score"));
  return { filter, redact_pii: text("redact_pii") === "on" };
}

/** @param {ImportReport} report @param {boolean} dryRun */
function reportView(report, dryRun) {
  return h(
    "div",
    { class: "ds-import-report", role: "status", "aria-label": dryRun ? "Import preview" : "Import report" },
    h(
      "div",
      { class: "stats" },
      stat(dryRun ? "Would be added" : "Imported", fmt.int(report.imported)),
      stat("Scanned", fmt.int(report.scanned), "captured completions matching the filter"),
      stat("Duplicates", fmt.int(report.duplicates), "already in the dataset"),
      stat("Skipped", fmt.int(report.skipped), "not valid training lines"),
    ),
    report.errors.length
      ? table(
          [
            { label: "Completion", cell: (e) => h("code", {}, e.source_id) },
            { label: "Field", cell: (e) => h("code", {}, e.field) },
            { label: "Problem", cell: (e) => e.message },
          ],
          report.errors,
          { caption: "Skipped completions" },
        )
      : null,
    report.sample
      ? report.sample.length
        ? stack(
            table(
              [
                { label: "Completion", cell: (s) => h("code", {}, s.completion_id) },
                { label: "Model", cell: (s) => s.model },
                { label: "Created", cell: (s) => fmt.time(s.created) },
                { label: "Last user message", cell: (s) => s.preview },
              ],
              report.sample,
              { caption: `Sample (${report.sample.length} of ${report.imported})` },
            ),
          )
        : empty(
            "Nothing matches",
            "Send chat completions with store: true (and metadata to filter on), or widen the filter.",
          )
      : null,
  );
}

/** @param {TabContext} t */
export function importTab(t) {
  const { dataset, page } = t;
  const result = h("div", { class: "ds-import-result" });
  const importButton = h(
    "button",
    { type: "button", class: "button button-primary", disabled: true },
    "Import",
  );
  const form = h(
    "form",
    { class: "ds-filter", "aria-label": "Import filter" },
    h(
      "div",
      { class: "ds-fields" },
      field("Model", input("model", { placeholder: "gpt-4o-mini" })),
      field("Metadata key", input("metadata_key", { placeholder: "feature" })),
      field("Metadata value", input("metadata_value", { placeholder: "support" })),
      field("Created after", input("created_after", { type: "datetime-local" })),
      field("Created before", input("created_before", { type: "datetime-local" })),
      field("Minimum feedback score", input("min_score", { type: "number", step: "any" })),
    ),
    h(
      "label",
      { class: "ds-check-label" },
      input("redact_pii", { type: "checkbox" }),
      " Redact emails, phone and card numbers",
    ),
    h("div", { class: "form-error", role: "alert" }),
    h(
      "div",
      { class: "ds-row" },
      h("button", { type: "submit", class: "button" }, "Preview import"),
      importButton,
    ),
  );
  /** The filter the preview was made with: Import uses exactly that one. */
  let previewed = "";
  form.addEventListener("input", () => {
    importButton.disabled = true;
  });
  onSubmit(form, async (text) => {
    const body = filterOf(text);
    try {
      /** @type {ImportReport} */
      const report = await api(datasetPath(dataset.id, "/import"), {
        method: "POST",
        body: { ...body, dry_run: true },
        signal: page.signal,
      });
      showFormError(form, "");
      previewed = JSON.stringify(body);
      importButton.disabled = report.imported === 0;
      replace(result, reportView(report, true));
    } catch (err) {
      showFormError(form, err, fieldOf);
    }
  });
  importButton.addEventListener("click", () =>
    busy(importButton, async () => {
      /** @type {ImportReport} */
      const report = await api(datasetPath(dataset.id, "/import"), {
        method: "POST",
        body: JSON.parse(previewed),
        signal: page.signal,
      });
      replace(result, reportView(report, false));
      toast(`Imported ${report.imported} example(s).`);
    }),
  );
  replace(
    t.root,
    card("Import captured traffic", [
      h(
        "p",
        { class: "muted" },
        "Chat completions sent with store: true are captured. Filter them, preview what would be added, then import.",
      ),
      form,
      result,
    ]),
  );
}

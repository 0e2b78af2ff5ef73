// @ts-check
/**
 * Datasets: `#/datasets` lists the tenant's datasets with a create form; `#/datasets/<id>?tab=…`
 * shows one dataset's examples (with validation), import, export, fine-tuning jobs, evaluations and
 * aliases. Each tab is a module in ./datasets/.
 */
import { api } from "../api.js";
import { badge, card, empty, failure, field, fmt, h, loading, replace, showFormError, table } from "../ui.js";
import { aliasesTab } from "./datasets/aliases.js";
import { datasetPath, isAbort, onSubmit, stack } from "./datasets/common.js";
import { evalsTab } from "./datasets/evals.js";
import { examplesTab } from "./datasets/examples.js";
import { exportTab } from "./datasets/export.js";
import { importTab } from "./datasets/import.js";
import { jobsTab } from "./datasets/jobs.js";

/** @typedef {import("../types").PageContext} PageContext */
/** @typedef {import("./datasets/types").Dataset} Dataset */

/** @type {Record<string, { label: string, draw: (t: import("./datasets/common.js").TabContext) => unknown }>} */
const TABS = {
  examples: { label: "Examples", draw: examplesTab },
  import: { label: "Import", draw: importTab },
  export: { label: "Export", draw: exportTab },
  jobs: { label: "Fine-tuning", draw: jobsTab },
  evals: { label: "Evaluations", draw: evalsTab },
  aliases: { label: "Aliases", draw: aliasesTab },
};

/** @param {PageContext} ctx */
function createForm(ctx) {
  const form = h(
    "form",
    { class: "ds-create", "aria-label": "Create a dataset" },
    h(
      "div",
      { class: "ds-fields" },
      field(
        "Name",
        h("input", { name: "name", required: true, maxlength: 256, placeholder: "support answers" }),
      ),
      field(
        "Kind",
        h(
          "select",
          { name: "kind" },
          h("option", { value: "chat" }, "Chat"),
          h("option", { value: "vision" }, "Vision (images)"),
        ),
      ),
      field(
        "Validation share",
        h("input", { name: "validation_ratio", type: "number", min: 0, max: 0.5, step: 0.05, value: 0.1 }),
        "Share of examples held out for evaluations (0–0.5).",
      ),
    ),
    h("div", { class: "form-error", role: "alert" }),
    h("button", { type: "submit", class: "button button-primary" }, "Create dataset"),
  );
  onSubmit(form, async (text) => {
    try {
      /** @type {Dataset} */
      const ds = await api("/v1/datasets", {
        method: "POST",
        body: {
          name: text("name"),
          kind: text("kind"),
          validation_ratio: Number(text("validation_ratio")),
        },
        signal: ctx.signal,
      });
      ctx.navigate(`#/datasets/${encodeURIComponent(ds.id)}?tab=import`);
    } catch (err) {
      showFormError(form, err);
    }
  });
  return form;
}

/** @param {PageContext} ctx */
async function listView(ctx) {
  /** @type {import("../types").List<Dataset>} */
  const res = await api("/v1/datasets", { query: { limit: 100 }, signal: ctx.signal });
  const list = res.data.length
    ? stack(
        table(
          [
            {
              label: "Name",
              cell: (d) => h("a", { href: `#/datasets/${encodeURIComponent(d.id)}` }, d.name),
            },
            { label: "Kind", cell: (d) => badge(d.kind, d.kind === "vision" ? "warn" : "info") },
            { label: "Examples", cell: (d) => fmt.int(d.example_counts.total), align: "num" },
            { label: "Train", cell: (d) => fmt.int(d.example_counts.train), align: "num" },
            { label: "Validation", cell: (d) => fmt.int(d.example_counts.validation), align: "num" },
            { label: "Created", cell: (d) => fmt.time(d.created_at) },
          ],
          res.data,
          { rowAttrs: (d) => ({ "data-dataset": d.id }) },
        ),
      )
    : empty(
        "No datasets yet",
        "Create one below, then import chat completions your apps sent with store: true.",
      );
  replace(
    ctx.root,
    h("div", { class: "page-head" }, h("h1", {}, "Datasets")),
    card(`Datasets (${res.data.length}${res.has_more ? "+" : ""})`, list),
    card("Create a dataset", createForm(ctx)),
  );
}

/** @param {PageContext} ctx @param {string} id */
async function detailView(ctx, id) {
  /** @type {Dataset} */
  const dataset = await api(datasetPath(id), { signal: ctx.signal });
  const tabName = ctx.query.get("tab") ?? "examples";
  const tab = TABS[tabName] ?? TABS.examples;
  const body = h("div", { class: "ds-tab", id: "ds-tabpanel", role: "tabpanel", "aria-label": tab.label });
  const c = dataset.example_counts;
  replace(
    ctx.root,
    h(
      "div",
      { class: "page-head" },
      h(
        "div",
        {},
        h("a", { href: "#/datasets", class: "muted" }, "← Datasets"),
        h("h1", {}, dataset.name, " ", badge(dataset.kind, dataset.kind === "vision" ? "warn" : "info")),
        h(
          "p",
          { class: "muted" },
          h("code", {}, dataset.id),
          ` · ${fmt.int(c.total)} examples (${fmt.int(c.train)} train, ${fmt.int(c.validation)} validation) · created ${fmt.time(dataset.created_at)}`,
        ),
      ),
    ),
    h(
      "nav",
      { class: "ds-tabs", "aria-label": "Dataset sections" },
      Object.entries(TABS).map(([name, t]) =>
        h(
          "a",
          {
            href: `#/datasets/${encodeURIComponent(dataset.id)}?tab=${name}`,
            "aria-current": t === tab ? "page" : null,
          },
          t.label,
        ),
      ),
    ),
    body,
  );
  await tab.draw({ page: ctx, dataset, root: body });
}

/** @type {import("../types").Page} */
export const page = {
  title: "Datasets",
  async render(ctx) {
    replace(ctx.root, loading("datasets"));
    const id = ctx.params[0];
    try {
      if (id) await detailView(ctx, id);
      else await listView(ctx);
    } catch (err) {
      if (isAbort(err)) return;
      replace(ctx.root, failure(err, ctx.refresh));
    }
  },
};

// @ts-check
/**
 * Aliases tab: the tenant's model aliases (stable model, candidate and canary share), editing the
 * share, and promoting the candidate — guarded by an evaluation of this dataset. Whether it may be
 * promoted is the gateway's verdict (`promotion` of `GET …/aliases?eval_id=`), the rule the promote
 * route applies; the console only shows it.
 */
import { api, tenantPath } from "../../api.js";
import {
  badge,
  busy,
  card,
  confirmAction,
  empty,
  failure,
  field,
  h,
  loading,
  replace,
  showFormError,
  table,
  toast,
} from "../../ui.js";
import { isAbort, onSubmit, stack } from "./common.js";
import { listEvals } from "./evals.js";

/** @typedef {import("./common.js").TabContext} TabContext */
/** @typedef {import("./types").ModelAlias} ModelAlias */
/** @typedef {import("./types").Evaluation} Evaluation */

/**
 * The aliases, each with the gateway's promotion verdict for `evalId` when one is given.
 * @param {TabContext} t @param {string | undefined} evalId
 * @returns {Promise<ModelAlias[]>}
 */
async function listAliases(t, evalId) {
  /** @type {{ data: ModelAlias[] }} */
  const res = await api(`${tenantPath(t.page.tenantId)}/aliases`, {
    query: evalId ? { eval_id: evalId } : {},
    signal: t.page.signal,
  });
  return res.data;
}

/** @param {TabContext} t @param {() => void} reload */
function aliasForm(t, reload) {
  const { page } = t;
  const form = h(
    "form",
    { class: "ds-alias-form", "aria-label": "Set an alias" },
    h(
      "div",
      { class: "ds-fields" },
      field(
        "Alias",
        h("input", {
          name: "alias",
          required: true,
          placeholder: "support-bot",
          pattern: "[A-Za-z0-9._:\\-]+",
        }),
      ),
      field("Stable model", h("input", { name: "model", required: true, value: "gpt-4o-mini" })),
      field("Candidate model", h("input", { name: "canary_model", placeholder: "ft:gpt-4o-mini:…" })),
      field(
        "Canary share (%)",
        h("input", { name: "percent", type: "number", min: 0, max: 100, step: "any", value: 10 }),
      ),
    ),
    h("div", { class: "form-error", role: "alert" }),
    h("button", { type: "submit", class: "button button-primary" }, "Save alias"),
  );
  onSubmit(form, async (text) => {
    const canary = text("canary_model")
      ? { model: text("canary_model"), percent: Number(text("percent") || 0) }
      : null;
    try {
      await api(`${tenantPath(page.tenantId)}/aliases/${encodeURIComponent(text("alias"))}`, {
        method: "PUT",
        body: { model: text("model"), canary },
        signal: page.signal,
      });
      toast(`Alias ${text("alias")} saved.`);
      reload();
    } catch (err) {
      showFormError(form, err, (p) =>
        p === "canary.percent" ? "percent" : p === "canary.model" ? "canary_model" : p,
      );
    }
  });
  return form;
}

/**
 * The canary share as an editable number (only when the alias has a candidate).
 * @param {TabContext} t @param {ModelAlias} a @param {() => void} reload
 */
function shareEditor(t, a, reload) {
  if (!a.canary) return h("span", { class: "muted" }, "no candidate");
  const canary = a.canary;
  const input = h("input", {
    type: "number",
    min: 0,
    max: 100,
    step: "any",
    value: canary.percent,
    class: "ds-share",
    "aria-label": `Canary share of ${a.alias} (%)`,
  });
  const save = h(
    "button",
    { type: "button", class: "button button-small", "aria-label": `Save canary share of ${a.alias}` },
    "Save",
  );
  save.addEventListener("click", () =>
    busy(save, async () => {
      await api(`${tenantPath(t.page.tenantId)}/aliases/${encodeURIComponent(a.alias)}`, {
        method: "PUT",
        body: { model: a.model, canary: { model: canary.model, percent: Number(input.value) } },
        signal: t.page.signal,
      });
      toast(`${a.alias}: ${input.value}% of end users now get ${canary.model}.`);
      reload();
    }),
  );
  return h("span", { class: "ds-row" }, input, "% ", save);
}

/**
 * The evaluation choice, the guard's verdict and the Promote button.
 * @param {TabContext} t @param {ModelAlias} a @param {Evaluation[]} evals @param {() => void} reload
 */
function promoter(t, a, evals, reload) {
  const choice = h(
    "select",
    { "aria-label": `Evaluation guarding ${a.alias}` },
    evals.map((e) => h("option", { value: e.id }, `${e.id} (${e.models.join(" vs ")}, ${e.status})`)),
  );
  const reason = h("div", { class: "ds-guard", id: `guard-${a.alias}`, role: "status" });
  const refused = h("div", { class: "form-error", role: "alert" });
  const button = h(
    "button",
    { type: "button", class: "button button-primary", "aria-describedby": `guard-${a.alias}` },
    "Promote",
  );
  /** @param {ModelAlias["promotion"]} verdict */
  const show = (verdict) => {
    button.disabled = !verdict?.eligible;
    reason.textContent = verdict
      ? verdict.reason
      : "Run an evaluation of this dataset first (Evaluations tab).";
    reason.classList.toggle("ds-guard-ok", verdict?.eligible === true);
  };
  /** The verdict for the chosen evaluation, asked of the gateway. */
  const update = async () => {
    const asked = choice.value;
    if (!asked) return show(null);
    button.disabled = true;
    try {
      const fresh = (await listAliases(t, asked)).find((x) => x.alias === a.alias);
      // A later choice may have answered first: show only the verdict for the evaluation still chosen.
      if (choice.value === asked) show(fresh?.promotion ?? null);
    } catch (err) {
      if (!isAbort(err)) reason.textContent = err instanceof Error ? err.message : String(err);
    }
  };
  choice.addEventListener("change", () => {
    update().catch(() => undefined);
  });
  button.addEventListener("click", async () => {
    const ev = evals.find((e) => e.id === choice.value);
    if (!ev) return;
    const candidate = ev.models[1] ?? "the candidate";
    if (!(await confirmAction(`Make ${candidate} the model of ${a.alias} for everyone?`, "Promote"))) return;
    refused.textContent = "";
    await busy(button, async () => {
      try {
        await api(`${tenantPath(t.page.tenantId)}/aliases/${encodeURIComponent(a.alias)}/promote`, {
          method: "POST",
          body: { eval_id: ev.id },
          signal: t.page.signal,
        });
        toast(`${a.alias} now serves ${candidate}.`);
        reload();
      } catch (err) {
        refused.textContent = err instanceof Error ? err.message : String(err);
      }
    });
    await update();
  });
  show(a.promotion);
  return h(
    "div",
    { class: "ds-promote" },
    evals.length ? choice : null,
    reason,
    h("div", {}, button),
    refused,
  );
}

/** @param {TabContext} t */
export async function aliasesTab(t) {
  const { dataset, page } = t;
  const list = h("div", {}, loading("aliases"));
  const reload = () => {
    draw().catch(() => undefined);
  };
  replace(
    t.root,
    card("Aliases", list),
    card("Set an alias", [
      h(
        "p",
        { class: "muted" },
        "Apps call the alias as their model; a share of end users (stable by user) gets the candidate.",
      ),
      aliasForm(t, reload),
    ]),
  );
  const draw = async () => {
    try {
      const evals = await listEvals(dataset.id, page.signal);
      // The verdicts for the evaluation each alias's choice starts on (the newest).
      const aliases = await listAliases(t, evals[0]?.id);
      if (aliases.length === 0) {
        replace(
          list,
          empty(
            "No aliases yet",
            "Set one below: a stable model, and your fine-tuned model as the candidate.",
          ),
        );
        return;
      }
      replace(
        list,
        stack(
          table(
            [
              { label: "Alias", cell: (a) => h("code", {}, a.alias) },
              { label: "Stable model", cell: (a) => h("code", { "data-field": "model" }, a.model) },
              { label: "Candidate", cell: (a) => (a.canary ? h("code", {}, a.canary.model) : "—") },
              { label: "Canary share", cell: (a) => shareEditor(t, a, reload) },
              {
                label: "Promoted by",
                cell: (a) => (a.promoted_eval_id ? badge(a.promoted_eval_id, "ok") : "—"),
              },
              { label: "Promote", cell: (a) => promoter(t, a, evals, reload) },
            ],
            aliases,
            { rowAttrs: (a) => ({ "data-alias": a.alias }) },
          ),
        ),
      );
    } catch (err) {
      if (isAbort(err)) return;
      replace(list, failure(err, reload));
    }
  };
  await draw();
}

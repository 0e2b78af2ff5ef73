// @ts-check
/**
 * Settings: a tenant's settings (`GET /admin/tenants/{id}`), changed with a JSON Merge Patch
 * (`PATCH /admin/tenants/{id}`). A form covers the common settings (./settings/fields.js); an advanced
 * JSON editor covers all of them. A validation error's `param` (`settings.cache.ttl_seconds`) is shown
 * beside its field.
 */
import { api, tenantPath } from "../api.js";
import { card, field, h, replace, showFormError, toast } from "../ui.js";
import { changedSettings, fieldFor, fieldsets } from "./settings/fields.js";
import { isObject, mergePatchBetween } from "./settings/merge-patch.js";

/** @typedef {import("../types").Tenant} Tenant */

/** @type {import("../types").Page} */
export const page = {
  title: "Settings",
  async render(ctx) {
    const path = tenantPath(ctx.tenantId);
    /** @type {Tenant} */
    const tenant = await api(path, { signal: ctx.signal });
    const settings = tenant.settings ?? {};

    /** @param {unknown} body @returns {Promise<Tenant>} */
    const patch = (body) => api(path, { method: "PATCH", body });

    const nameInput = h("input", { name: "name", id: "set-name", value: tenant.name, required: true });
    const form = h(
      "form",
      { class: "settings-form", novalidate: true, "aria-label": "Tenant settings" },
      h("fieldset", {}, h("legend", {}, "Tenant"), field("Tenant name", nameInput)),
      fieldsets(settings, { locked: ctx.principal.kind === "tenant" ? ctx.principal.operator_settings : [] }),
      h("div", { class: "form-error", role: "alert" }),
      h(
        "div",
        { class: "form-actions" },
        h("button", { type: "submit", class: "button button-primary" }, "Save settings"),
      ),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const settingsPatch = changedSettings(settings, form);
      /** @type {{ name?: string, settings?: unknown }} */
      const body = {};
      if (nameInput.value.trim() !== tenant.name) body.name = nameInput.value.trim();
      if (settingsPatch !== undefined) body.settings = settingsPatch;
      await save(form, body, (p) => (p === "name" ? "name" : fieldFor(form, p)));
    });

    const json = h("textarea", {
      name: "settings-json",
      id: "set-json",
      rows: 18,
      spellcheck: "false",
      class: "json-editor",
    });
    json.value = JSON.stringify(settings, null, 2);
    const advanced = h(
      "form",
      { class: "settings-json", novalidate: true, "aria-label": "Advanced settings" },
      field(
        "Settings as JSON",
        json,
        "Every setting, including those the form above does not show (prices, embedding model, replay buffer, fine-tuning API, vision limits…). Saved as a merge patch: keys you delete are removed.",
      ),
      h("div", { class: "form-error", role: "alert" }),
      h("button", { type: "submit", class: "button button-primary" }, "Save JSON"),
    );
    advanced.addEventListener("submit", async (event) => {
      event.preventDefault();
      /** @type {unknown} */
      let parsed;
      try {
        parsed = JSON.parse(json.value);
      } catch (err) {
        showFormError(advanced, new Error(`Not valid JSON: ${err instanceof Error ? err.message : err}`));
        return;
      }
      if (!isObject(parsed)) {
        showFormError(advanced, new Error("The settings must be a JSON object."));
        return;
      }
      const settingsPatch = mergePatchBetween(settings, parsed);
      await save(
        advanced,
        settingsPatch === undefined ? {} : { settings: settingsPatch },
        () => "settings-json",
      );
    });

    /**
     * @param {HTMLFormElement} which
     * @param {{ name?: string, settings?: unknown }} body
     * @param {(param: string) => string | null} fieldOf
     */
    const save = async (which, body, fieldOf) => {
      const submit = /** @type {HTMLButtonElement} */ (which.querySelector("button[type=submit]"));
      if (!body.name && body.settings === undefined) {
        showFormError(which, "");
        toast("Nothing changed.");
        return;
      }
      submit.disabled = true;
      try {
        await patch(body);
        toast("Settings saved.");
        ctx.refresh();
      } catch (err) {
        showFormError(which, err, fieldOf);
      } finally {
        submit.disabled = false;
      }
    };

    replace(
      ctx.root,
      h(
        "div",
        { class: "page-head" },
        h("h1", {}, "Settings"),
        h("span", { class: "muted mono" }, tenant.id),
      ),
      card("Common settings", form),
      card("Advanced", advanced),
    );
  },
};

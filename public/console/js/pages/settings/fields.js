// @ts-check
/**
 * The common settings as form fields. Each input is named after its settings path
 * (`settings.cache.ttl_seconds`), the `param` the API names in a validation error.
 */
import { field, h } from "../../ui.js";
import { getPath, mergePatchBetween, setPath, stripNulls } from "./merge-patch.js";

/**
 * One form field: `path` is its place in `settings` (dots), which is also its input's name
 * (`settings.<path>`) so the API's `param` finds it.
 * @typedef {object} FieldSpec
 * @property {string} path
 * @property {string} label
 * @property {"select" | "int" | "number" | "bool" | "list" | "text"} kind
 * @property {string} [hint]
 * @property {string[]} [options]
 * @property {unknown} [def] the value in force when the key is absent
 * @property {string} [placeholder] what an empty field means
 */

/** @type {{ title: string, fields: FieldSpec[] }[]} */
const SECTIONS = [
  {
    title: "Cache",
    fields: [
      {
        path: "cache.mode",
        label: "Cache mode",
        kind: "select",
        options: ["off", "exact", "semantic"],
        def: "off",
        hint: "exact: identical requests; semantic: also similar ones (by embedding).",
      },
      {
        path: "cache.ttl_seconds",
        placeholder: "3600",
        label: "Cache TTL (seconds)",
        kind: "int",
        hint: "Default 3600; at most 30 days.",
      },
      {
        path: "cache.semantic.threshold",
        placeholder: "0.95",
        label: "Semantic similarity threshold",
        kind: "number",
        hint: "Cosine similarity from 0 to 1 needed for a semantic hit; default 0.95.",
      },
      {
        path: "cache.semantic.shadow",
        label: "Semantic shadow mode",
        kind: "bool",
        def: false,
        hint: "Look up semantic matches but serve fresh answers, measuring the false-hit rate (Cache page).",
      },
      {
        path: "cache.share_across_users",
        label: "Share entries across end users",
        kind: "bool",
        def: false,
      },
      { path: "cache.coalesce", label: "Coalesce identical in-flight requests", kind: "bool", def: true },
      {
        path: "cache.event_previews",
        label: "Show prompt previews in cache events",
        kind: "bool",
        def: true,
        hint: "Off: the events log on the Cache page keeps no text of users' messages.",
      },
    ],
  },
  {
    title: "Limits",
    fields: [
      {
        path: "rate_limits.requests_per_minute_per_key",
        placeholder: "no limit",
        label: "Requests per minute per key",
        kind: "int",
        hint: "Empty: no limit.",
      },
      {
        path: "rate_limits.requests_per_minute_per_user",
        placeholder: "no limit",
        label: "Requests per minute per end user",
        kind: "int",
        hint: "Empty: no limit.",
      },
      {
        path: "allowed_models",
        placeholder: "every model",
        label: "Allowed models",
        kind: "list",
        hint: "Comma-separated; empty: every model.",
      },
    ],
  },
  {
    title: "Realtime",
    fields: [
      {
        path: "realtime.allowed_models",
        placeholder: "any Realtime model",
        label: "Realtime models",
        kind: "list",
        hint: "Comma-separated; empty: any.",
      },
      {
        path: "realtime.allowed_voices",
        placeholder: "any voice",
        label: "Allowed voices",
        kind: "list",
        hint: "Comma-separated; the first is the default. Empty: any.",
      },
      {
        path: "realtime.instructions",
        label: "Enforced instructions",
        kind: "text",
        hint: "Kept ahead of the client's own instructions in every session.",
      },
      {
        path: "realtime.max_session_seconds",
        placeholder: "3600",
        label: "Max session length (seconds)",
        kind: "int",
        hint: "Default 3600.",
      },
      {
        path: "realtime.max_concurrent_sessions_per_user",
        placeholder: "5",
        label: "Max concurrent sessions per user",
        kind: "int",
        hint: "Default 5.",
      },
      {
        path: "realtime.daily_audio_seconds_per_user",
        placeholder: "no quota",
        label: "Daily audio quota per user (seconds)",
        kind: "int",
        hint: "Empty: none.",
      },
      {
        path: "realtime.daily_tokens_per_user",
        placeholder: "no quota",
        label: "Daily token quota per user",
        kind: "int",
        hint: "Empty: none.",
      },
      {
        path: "realtime.reconnect_grace_seconds",
        placeholder: "30",
        label: "Reconnect grace period (seconds)",
        kind: "int",
        hint: "Default 30; 0 ends a dropped session at once.",
      },
    ],
  },
  {
    title: "Datasets and vision",
    fields: [
      {
        path: "distillation.capture_all",
        label: "Capture every completion",
        kind: "bool",
        def: false,
        hint: "Not only those sent with store: true.",
      },
      {
        path: "distillation.retention_days",
        placeholder: "the operator's",
        label: "Keep captures (days)",
        kind: "int",
        hint: "1–3650; older captures are deleted. Empty: the operator's window, else kept.",
      },
      {
        path: "vision.allow_private_image_hosts",
        label: "Allow private image hosts",
        kind: "bool",
        def: false,
        hint: "Fetch images from private, loopback and link-local addresses.",
      },
      {
        path: "vision.max_images_per_example",
        placeholder: "10",
        label: "Max images per example",
        kind: "int",
        hint: "Default 10.",
      },
    ],
  },
];

const FIELDS = SECTIONS.flatMap((s) => s.fields);

/**
 * The input for one setting, filled with its current value.
 * @param {FieldSpec} spec
 * @param {unknown} value
 */
function control(spec, value) {
  const name = `settings.${spec.path}`;
  const id = `set-${spec.path.replaceAll(".", "-")}`;
  if (spec.kind === "select") {
    const current = String(value ?? spec.def ?? "");
    return h(
      "select",
      { name, id },
      (spec.options ?? []).map((o) => h("option", { value: o, selected: o === current }, o)),
    );
  }
  if (spec.kind === "bool") {
    return h("input", { name, id, type: "checkbox", checked: Boolean(value ?? spec.def) });
  }
  if (spec.kind === "text") {
    return h("textarea", { name, id, rows: 3 }, typeof value === "string" ? value : "");
  }
  if (spec.kind === "list") {
    return h("input", {
      name,
      id,
      value: Array.isArray(value) ? value.join(", ") : "",
      placeholder: spec.placeholder,
    });
  }
  return h("input", {
    name,
    id,
    type: "number",
    step: spec.kind === "int" ? "1" : "any",
    inputmode: spec.kind === "int" ? "numeric" : "decimal",
    value: typeof value === "number" ? String(value) : "",
    placeholder: spec.placeholder,
  });
}

/**
 * What a control holds, as the setting's JSON value (`undefined`: empty, the key is removed).
 * @param {FieldSpec} spec
 * @param {HTMLFormElement} form
 * @returns {unknown}
 */
function readField(spec, form) {
  const el = /** @type {HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement} */ (
    form.elements.namedItem(`settings.${spec.path}`)
  );
  if (spec.kind === "bool") return /** @type {HTMLInputElement} */ (el).checked;
  const raw = el.value.trim();
  if (raw === "") return undefined;
  if (spec.kind === "list") {
    return raw
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
  }
  if (spec.kind === "int" || spec.kind === "number") {
    const n = Number(raw);
    return Number.isFinite(n) ? n : raw; // a non-number goes as typed: the API says what is wrong
  }
  return raw;
}

/**
 * The field an API `param` names, walking up the path to the nearest field of this form.
 * @param {HTMLFormElement} form
 * @param {string} param e.g. `settings.realtime.allowed_voices[0]`
 */
export function fieldFor(form, param) {
  let path = param.replace(/\[\d+\]/g, "");
  while (path) {
    if (form.querySelector(`[data-error-for="${CSS.escape(path)}"]`)) return path;
    const dot = path.lastIndexOf(".");
    if (dot < 0) return null;
    path = path.slice(0, dot);
    if (path === "settings") return null;
  }
  return null;
}

/**
 * A checkbox with its label beside it and room for an error.
 * @param {FieldSpec} spec
 * @param {HTMLElement} el
 */
function checkField(spec, el) {
  const name = `settings.${spec.path}`;
  return h(
    "div",
    { class: "field field-check" },
    h("label", { for: el.id }, el, ` ${spec.label}`),
    spec.hint && h("div", { class: "field-hint" }, spec.hint),
    h("div", { class: "field-error", role: "alert", "data-error-for": name }),
  );
}

/**
 * Whether `path` (e.g. `rate_limits.requests_per_minute_per_key`) is under one of `locked`, the
 * settings paths only ADMIN_TOKEN may change (`settings.rate_limits`, from `GET /admin/whoami`).
 * @param {string} path @param {string[]} locked
 */
const isLocked = (path, locked) =>
  locked.some((p) => {
    const prefix = p.replace(/^settings\./, "");
    return path === prefix || path.startsWith(`${prefix}.`);
  });

/**
 * The form's fieldsets, filled with the tenant's settings.
 * @param {Record<string, unknown>} settings
 * @param {{ locked?: string[] }} [opts] settings paths shown read-only (a console key's operator settings)
 */
export function fieldsets(settings, opts = {}) {
  return SECTIONS.map((section) =>
    h(
      "fieldset",
      { "data-section": section.title },
      h("legend", {}, section.title),
      h(
        "div",
        { class: "settings-grid" },
        section.fields.map((spec) => {
          const el = control(spec, getPath(settings, spec.path));
          const locked = isLocked(spec.path, opts.locked ?? []);
          if (locked) el.disabled = true;
          const hint = locked ? "Set by the gateway's operator (admin token)." : spec.hint;
          const shown = { ...spec, hint };
          return spec.kind === "bool" ? checkField(shown, el) : field(spec.label, el, hint);
        }),
      ),
    ),
  );
}

/**
 * The merge patch of what the form changed (a field left at its default changes nothing; an emptied
 * one removes its key), or `undefined`.
 * @param {Record<string, unknown>} settings as loaded
 * @param {HTMLFormElement} form
 */
export function changedSettings(settings, form) {
  /** @type {Record<string, unknown>} */
  const next = structuredClone(settings);
  for (const spec of FIELDS) {
    const value = readField(spec, form);
    const current = getPath(settings, spec.path);
    const effective = current === undefined ? spec.def : current;
    if (JSON.stringify(value) === JSON.stringify(effective)) continue;
    if (value === undefined && current === undefined) continue;
    setPath(next, spec.path, value === undefined ? null : value);
  }
  return mergePatchBetween(settings, stripNulls(next));
}

// @ts-check
/**
 * Small DOM helpers shared by every page. Text always goes in through `textContent` (never
 * `innerHTML`), so nothing a prompt or a dataset contains can run as markup.
 */

import { ApiError } from "./api.js";

/**
 * @typedef {string | number | Node | null | undefined | false} Child
 * @typedef {Record<string, string | number | boolean | null | undefined | EventListener>} Attrs
 */

/**
 * Creates an element. Attributes starting with `on` are event listeners; `class` and `data-*` and
 * the rest are set as attributes; `false`/`null`/`undefined` leave an attribute out.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Attrs} [attrs]
 * @param {...(Child | Child[])} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2), value);
    } else if (value === true) {
      el.setAttribute(name, "");
    } else {
      el.setAttribute(name, String(value));
    }
  }
  append(el, children);
  return el;
}

/** @param {Element} parent @param {(Child | Child[])[]} children */
export function append(parent, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces everything in `el`. @param {Element} el @param {...(Child | Child[])} children */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

/** A loading state that says what is loading. @param {string} what */
export function loading(what) {
  return h(
    "div",
    { class: "state state-loading", role: "status", "aria-live": "polite" },
    h("span", { class: "spinner" }),
    `Loading ${what}…`,
  );
}

/**
 * An empty state: what is missing and how to get some.
 * @param {string} title
 * @param {string} hint
 * @param {Child} [action]
 */
export function empty(title, hint, action) {
  return h("div", { class: "state state-empty" }, h("strong", {}, title), h("p", {}, hint), action);
}

/**
 * An error state with the gateway's message and a retry button.
 * @param {unknown} err
 * @param {() => void} [retry]
 */
export function failure(err, retry) {
  const message = err instanceof Error ? err.message : String(err);
  const status = err instanceof ApiError && err.status ? ` (${err.status})` : "";
  return h(
    "div",
    { class: "state state-error", role: "alert" },
    h("strong", {}, `Something went wrong${status}`),
    h("p", {}, message),
    retry && h("button", { type: "button", class: "button", onclick: () => retry() }, "Retry"),
  );
}

/**
 * A section with a heading and optional actions on the right.
 * @param {string} title
 * @param {Child | Child[]} body
 * @param {Child[]} [actions]
 * @param {Attrs} [attrs]
 */
export function card(title, body, actions = [], attrs = {}) {
  return h(
    "section",
    { class: "card", ...attrs },
    h("header", { class: "card-head" }, h("h2", {}, title), h("div", { class: "card-actions" }, actions)),
    h("div", { class: "card-body" }, body),
  );
}

/**
 * One figure with its label.
 * @param {string} label
 * @param {string} value
 * @param {string} [hint]
 */
export function stat(label, value, hint) {
  return h(
    "div",
    { class: "stat", "data-stat": label },
    h("div", { class: "stat-value" }, value),
    h("div", { class: "stat-label" }, label),
    hint && h("div", { class: "stat-hint" }, hint),
  );
}

/**
 * @template T
 * @typedef {object} Column
 * @property {string} label
 * @property {(row: T) => Child | Child[]} cell
 * @property {"num"} [align]
 */

/**
 * A table that scrolls sideways on phones.
 * @template T
 * @param {Column<T>[]} columns
 * @param {T[]} rows
 * @param {{ rowAttrs?: (row: T) => Attrs, caption?: string }} [opts]
 */
export function table(columns, rows, opts = {}) {
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      {},
      opts.caption && h("caption", {}, opts.caption),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          columns.map((c) => h("th", { class: c.align ?? "" }, c.label)),
        ),
      ),
      h(
        "tbody",
        {},
        rows.map((row) =>
          h(
            "tr",
            opts.rowAttrs?.(row) ?? {},
            columns.map((c) => h("td", { class: c.align ?? "", "data-label": c.label }, c.cell(row))),
          ),
        ),
      ),
    ),
  );
}

/** @param {string} text @param {"ok" | "warn" | "bad" | "info" | "muted"} [tone] */
export function badge(text, tone = "info") {
  return h("span", { class: `badge badge-${tone}` }, text);
}

/**
 * A short-lived message at the bottom of the screen.
 * @param {string} message
 * @param {"ok" | "bad"} [tone]
 */
export function toast(message, tone = "ok") {
  const region = document.getElementById("toasts");
  if (!region) return;
  const el = h("div", { class: `toast toast-${tone}`, role: tone === "bad" ? "alert" : "status" }, message);
  region.append(el);
  setTimeout(() => el.remove(), 5000);
}

/**
 * A labelled form field with room for a validation error beside it (`data-error-for` = `name`).
 * @param {string} label
 * @param {HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement} control
 * @param {string} [hint]
 */
export function field(label, control, hint) {
  const id = control.id || `f-${control.name || Math.random().toString(36).slice(2)}`;
  control.id = id;
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    control,
    hint && h("div", { class: "field-hint" }, hint),
    h("div", { class: "field-error", role: "alert", "data-error-for": control.name || id }),
  );
}

/**
 * Shows an API error beside the field its `param` names (or at the top of the form).
 * @param {HTMLElement} form
 * @param {unknown} err
 * @param {(param: string) => string | null} [fieldOf] maps a `param` to a field name
 */
export function showFormError(form, err, fieldOf = (p) => p) {
  for (const el of form.querySelectorAll(".field-error")) el.textContent = "";
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  const message = err instanceof Error ? err.message : String(err);
  const param = err instanceof ApiError ? err.param : null;
  const name = param ? fieldOf(param) : null;
  const slot = name ? form.querySelector(`[data-error-for="${CSS.escape(name)}"]`) : null;
  if (slot) {
    slot.textContent = message;
    form.querySelector(`[name="${CSS.escape(name ?? "")}"]`)?.setAttribute("aria-invalid", "true");
    return;
  }
  const general = form.querySelector(".form-error");
  if (general) general.textContent = message;
  else toast(message, "bad");
}

/**
 * Asks before something that cannot be undone.
 * @param {string} question
 * @param {string} confirmLabel
 * @returns {Promise<boolean>}
 */
export function confirmAction(question, confirmLabel) {
  return new Promise((resolve) => {
    const dialog = h(
      "dialog",
      { class: "dialog" },
      h("p", {}, question),
      h(
        "div",
        { class: "dialog-actions" },
        h("button", { type: "button", class: "button", onclick: () => close(false) }, "Cancel"),
        h(
          "button",
          { type: "button", class: "button button-danger", onclick: () => close(true) },
          confirmLabel,
        ),
      ),
    );
    /** @param {boolean} answer */
    const close = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    dialog.addEventListener("cancel", () => close(false));
    document.body.append(dialog);
    dialog.showModal();
  });
}

/**
 * Runs an action from a button: disables it meanwhile, toasts the error.
 * @param {HTMLButtonElement} button
 * @param {() => Promise<void>} action
 */
export async function busy(button, action) {
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    await action();
  } catch (err) {
    toast(err instanceof Error ? err.message : String(err), "bad");
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

/** A button that copies `text`. @param {string} text @param {string} [label] */
export function copyButton(text, label = "Copy") {
  const button = h("button", { type: "button", class: "button button-small" }, label);
  button.addEventListener("click", async () => {
    await navigator.clipboard?.writeText(text).catch(() => undefined);
    button.textContent = "Copied";
    setTimeout(() => {
      button.textContent = label;
    }, 1500);
  });
  return button;
}

export const fmt = {
  /** @param {number} n */
  int: (n) => Math.round(n).toLocaleString("en-US"),
  /** @param {number} n */
  compact: (n) => Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 }).format(n),
  /** @param {number | null | undefined} r a ratio 0..1 */
  percent: (r) =>
    r === null || r === undefined || Number.isNaN(r)
      ? "—"
      : `${(r * 100).toFixed(r < 0.1 && r > 0 ? 1 : 0)}%`,
  /** @param {number} usd */
  usd: (usd) => (usd < 0.01 && usd > 0 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`),
  /** @param {number} ms */
  ms: (ms) => (ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`),
  /** @param {number} seconds */
  duration: (seconds) => {
    if (seconds < 60) return `${Math.round(seconds)} s`;
    const m = Math.floor(seconds / 60);
    const s = Math.round(seconds % 60);
    return m < 60 ? `${m} min ${s} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
  },
  /** @param {number} unixSeconds */
  time: (unixSeconds) =>
    new Date(unixSeconds * 1000).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" }),
  /** @param {number} unixSeconds */
  ago: (unixSeconds) => {
    const s = Math.max(0, Date.now() / 1000 - unixSeconds);
    if (s < 60) return `${Math.round(s)} s ago`;
    if (s < 3600) return `${Math.round(s / 60)} min ago`;
    if (s < 86400) return `${Math.round(s / 3600)} h ago`;
    return `${Math.round(s / 86400)} d ago`;
  },
};

/**
 * Makes a `table()` stack on phones as compact cards: two cells a line, the `wide` columns (by
 * label) across the whole card. Styles: `.table-wrap.cards` in styles.css.
 * @param {HTMLElement} wrap what `table()` returned
 * @param {string[]} [wide] labels of the columns that take a whole line
 */
export function stackAsCards(wrap, wide = []) {
  wrap.classList.add("stack", "cards");
  for (const label of wide) {
    for (const td of wrap.querySelectorAll(`td[data-label="${CSS.escape(label)}"]`)) td.classList.add("wide");
  }
  return wrap;
}

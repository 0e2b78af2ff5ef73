// @ts-check
/** Pieces shared by the tabs of a dataset: paths, polling, forms, formatters. */
import { busy } from "../../ui.js";

/** @typedef {import("../../types").PageContext} PageContext */
/** @typedef {import("./types").Dataset} Dataset */

/**
 * What every tab receives.
 * @typedef {object} TabContext
 * @property {PageContext} page
 * @property {Dataset} dataset
 * @property {HTMLElement} root where the tab draws
 */

/** `/v1/datasets/{id}` (+ a sub-path). @param {string} id @param {string} [sub] */
export const datasetPath = (id, sub = "") => `/v1/datasets/${encodeURIComponent(id)}${sub}`;

/**
 * Resolves after `ms`, or rejects with an AbortError when `signal` aborts first (the page was left).
 * @param {number} ms
 * @param {AbortSignal} signal
 */
export function wait(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new DOMException("aborted", "AbortError"));
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(new DOMException("aborted", "AbortError"));
      },
      { once: true },
    );
  });
}

/**
 * Calls `step` until it returns true, every `ms`, while the page is open.
 * @param {() => Promise<boolean>} step
 * @param {AbortSignal} signal
 * @param {number} [ms]
 */
export async function pollUntil(step, signal, ms = 1000) {
  for (;;) {
    if (await step()) return;
    await wait(ms, signal);
  }
}

/** @param {unknown} err */
export const isAbort = (err) => err instanceof DOMException && err.name === "AbortError";

/** A `datetime-local` value as unix seconds, or undefined when empty. @param {string} value */
export function unixOf(value) {
  if (!value) return undefined;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

/** A short text preview of any value. @param {unknown} value @param {number} [max] */
export function preview(value, max = 160) {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A cost in dollars with enough places for fractions of a cent. @param {number} usd */
/** @param {number | null} usd null: the trainer is not priced per token. */
export const usd = (usd) =>
  usd === null ? "—" : usd === 0 ? "$0" : usd < 0.01 ? `$${usd.toFixed(5)}` : `$${usd.toFixed(2)}`;

/**
 * Runs `action` when `form` is submitted, its submit button busy meanwhile (errors the action does
 * not show itself are toasted). `text(name)` reads a trimmed field.
 * @param {HTMLFormElement} form
 * @param {(text: (name: string) => string, data: FormData) => Promise<void>} action
 */
export function onSubmit(form, action) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const button = /** @type {HTMLButtonElement} */ (form.querySelector("button[type=submit]"));
    const data = new FormData(form);
    busy(button, () =>
      action((name) => String(data.get(name) ?? "").trim(), data).catch((err) => {
        if (!isAbort(err)) throw err; // leaving the page is not an error
      }),
    );
  });
}

/** A table that becomes stacked rows on phones (`.table-wrap.stack`). @param {HTMLElement} el */
export function stack(el) {
  el.classList.add("stack");
  return el;
}

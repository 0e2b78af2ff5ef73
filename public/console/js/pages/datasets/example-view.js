// @ts-check
/**
 * One training example as people read it: its messages, each image as a thumbnail with that
 * image's problems beside it, and the example's validation state (errors, warnings, tokens, cost).
 */
import { badge, fmt, h } from "../../ui.js";
import { preview, usd } from "./common.js";

/** @typedef {import("./types").Issue} Issue */

/**
 * Validation state of one example, whichever report it came from.
 * @typedef {object} ExampleState
 * @property {boolean} valid
 * @property {Issue[]} errors
 * @property {Issue[]} warnings
 * @property {number} [tokens]
 * @property {number | null} [costUsd]
 */

const STORED_IMAGE = /^edgegate-image:sha256:([0-9a-f]{64})$/;

/**
 * Where an image URL can be shown from under the console's CSP (`img-src 'self' data: blob: https:`):
 * data and https URLs as they are, images kept by the gateway through a signed URL when known.
 * @param {string} url
 * @param {Map<string, string>} signed sha256 → signed `/v1/images/…` URL
 * @returns {string | null}
 */
export function displayableImage(url, signed) {
  if (url.startsWith("data:image/") || url.startsWith("https://")) return url;
  const stored = STORED_IMAGE.exec(url);
  if (stored) return signed.get(stored[1] ?? "") ?? null;
  if (url.startsWith(location.origin)) return url;
  return null;
}

/** @param {Issue} issue @param {"bad" | "warn"} tone */
function issueLine(issue, tone) {
  return h(
    "li",
    { class: `issue issue-${tone}` },
    issue.path ? h("code", { class: "issue-path" }, issue.path) : null,
    " ",
    issue.message,
  );
}

/** @param {Issue} issue @param {string} path */
const at = (issue, path) => issue.path === path || issue.path.startsWith(`${path}.`);

/**
 * @param {string} url
 * @param {string} path e.g. `messages[0].content[1]`
 * @param {Issue[]} errors
 * @param {Issue[]} warnings
 * @param {Map<string, string>} signed
 */
function imagePart(url, path, errors, warnings, signed) {
  const src = displayableImage(url, signed);
  const label = url.startsWith("data:") ? `${url.slice(0, url.indexOf(";"))} image` : preview(url, 60);
  return h(
    "figure",
    { class: `ds-image${errors.length ? " ds-image-bad" : ""}`, "data-path": path },
    src
      ? h("img", { src, alt: `Image at ${path}`, loading: "lazy", decoding: "async" })
      : h("div", { class: "ds-image-missing", role: "img", "aria-label": `Image at ${path}` }, "no preview"),
    h(
      "figcaption",
      {},
      h("code", {}, path),
      h("span", { class: "muted" }, ` ${label}`),
      errors.length || warnings.length
        ? h(
            "ul",
            { class: "issues" },
            errors.map((e) => issueLine(e, "bad")),
            warnings.map((w) => issueLine(w, "warn")),
          )
        : null,
    ),
  );
}

/**
 * The messages of an example, images inline. Issues naming an image's path are shown beside it
 * and removed from `left`.
 * @param {Record<string, unknown>} example
 * @param {{ errors: Issue[], warnings: Issue[] }} left
 * @param {Map<string, string>} signed
 */
function messagesOf(example, left, signed) {
  const messages = Array.isArray(example.messages) ? example.messages : [];
  return h(
    "ol",
    { class: "ds-messages" },
    messages.map((m, i) => {
      const msg = /** @type {Record<string, unknown>} */ (m && typeof m === "object" ? m : {});
      const role = typeof msg.role === "string" ? msg.role : "?";
      /** @type {(Node | string)[]} */
      const parts = [];
      if (typeof msg.content === "string")
        parts.push(h("span", { class: "ds-text" }, preview(msg.content, 400)));
      else if (Array.isArray(msg.content)) {
        msg.content.forEach((p, j) => {
          const part = /** @type {Record<string, unknown>} */ (p && typeof p === "object" ? p : {});
          const path = `messages[${i}].content[${j}]`;
          const image = /** @type {{ url?: unknown } | undefined} */ (part.image_url);
          if (part.type === "image_url" && typeof image?.url === "string") {
            const errors = left.errors.filter((e) => at(e, path));
            const warnings = left.warnings.filter((w) => at(w, path));
            left.errors = left.errors.filter((e) => !at(e, path));
            left.warnings = left.warnings.filter((w) => !at(w, path));
            parts.push(imagePart(image.url, path, errors, warnings, signed));
          } else if (typeof part.text === "string") {
            parts.push(h("span", { class: "ds-text" }, preview(part.text, 400)));
          } else parts.push(h("code", {}, preview(part, 120)));
        });
      } else if (Array.isArray(msg.tool_calls)) {
        parts.push(h("code", {}, preview(msg.tool_calls, 200)));
      }
      return h(
        "li",
        { class: `ds-message ds-role-${role}` },
        h("span", { class: "ds-role" }, role),
        h("div", { class: "ds-parts" }, parts),
      );
    }),
  );
}

/**
 * An example with its validation state (when validated).
 * @param {Record<string, unknown>} example
 * @param {{ title: string, state?: ExampleState | null, signed?: Map<string, string>, meta?: (Node | string)[] }} opts
 */
export function exampleView(example, opts) {
  const state = opts.state ?? null;
  const left = { errors: [...(state?.errors ?? [])], warnings: [...(state?.warnings ?? [])] };
  const body = messagesOf(example, left, opts.signed ?? new Map());
  const status = !state
    ? badge("not validated", "muted")
    : state.valid
      ? badge(
          state.warnings.length ? `valid · ${state.warnings.length} warning(s)` : "valid",
          state.warnings.length ? "warn" : "ok",
        )
      : badge(`${state.errors.length} error(s)`, "bad");
  return h(
    "article",
    {
      class: `ds-example${state && !state.valid ? " ds-example-bad" : ""}`,
      "aria-label": opts.title,
      "data-valid": state ? String(state.valid) : null,
    },
    h(
      "header",
      { class: "ds-example-head" },
      h("strong", {}, opts.title),
      status,
      opts.meta ?? [],
      state?.tokens !== undefined
        ? h("span", { class: "muted" }, `≈${fmt.int(state.tokens)} tokens · ${usd(state.costUsd ?? 0)}`)
        : null,
    ),
    body,
    left.errors.length || left.warnings.length
      ? h(
          "ul",
          { class: "issues" },
          left.errors.map((e) => issueLine(e, "bad")),
          left.warnings.map((w) => issueLine(w, "warn")),
        )
      : null,
  );
}

/**
 * Per-example states from a validation report: the vision form has one report per example, the
 * chat form a list of `{line, field, message}`.
 * @param {import("./types").ValidationReport} report
 * @returns {Map<number, ExampleState>} by 0-based position
 */
export function statesOf(report) {
  /** @type {Map<number, ExampleState>} */
  const states = new Map();
  if (report.examples) {
    for (const r of report.examples) {
      states.set(r.index, {
        valid: r.valid,
        errors: r.errors,
        warnings: r.warnings,
        tokens: r.estimated_tokens,
        costUsd: r.estimated_cost_usd,
      });
    }
    return states;
  }
  for (let i = 0; i < report.total; i++) states.set(i, { valid: true, errors: [], warnings: [] });
  for (const e of report.errors) {
    const state = states.get(e.line - 1);
    if (!state) continue;
    state.valid = false;
    state.errors.push({ path: e.field, code: "invalid_example", message: e.message });
  }
  return states;
}

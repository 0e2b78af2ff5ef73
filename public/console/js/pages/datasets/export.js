// @ts-check
/**
 * Export tab: fine-tuning JSONL with the chosen options, fetched with the console's credential and
 * offered as a blob download link (a plain link could not carry the Authorization header).
 */
import { ApiError, api } from "../../api.js";
import { card, field, fmt, h, replace } from "../../ui.js";
import { datasetPath, onSubmit } from "./common.js";

/** @typedef {import("./common.js").TabContext} TabContext */

/**
 * @param {string} name
 * @param {[string, string][]} options value, label
 */
function select(name, options) {
  return h(
    "select",
    { name },
    options.map(([value, label]) => h("option", { value }, label)),
  );
}

/** @param {TabContext} t */
export function exportTab(t) {
  const { dataset, page } = t;
  const vision = dataset.kind === "vision";
  const out = h("div", { class: "ds-export-result", "aria-live": "polite" });
  /** @type {string | null} */
  let objectUrl = null;
  page.signal.addEventListener("abort", () => {
    if (objectUrl) URL.revokeObjectURL(objectUrl);
  });
  const form = h(
    "form",
    { class: "ds-export", "aria-label": "Export options" },
    h(
      "div",
      { class: "ds-fields" },
      field(
        "Split",
        select("split", [
          ["all", "All examples"],
          ["train", "Training split"],
          ["validation", "Validation split"],
        ]),
      ),
      field(
        "Format",
        select("format", [
          ["chat", "Chat (supervised)"],
          ["dpo", "DPO pairs (from corrections)"],
        ]),
      ),
      vision
        ? field(
            "Images",
            select("images", [
              ["inline", "Inline (data URLs)"],
              ["url", "Signed gateway URLs (expire in 7 days)"],
            ]),
          )
        : null,
    ),
    vision
      ? h(
          "label",
          { class: "ds-check-label" },
          h("input", { type: "checkbox", name: "skip_invalid" }),
          " Leave invalid examples out",
        )
      : null,
    h("div", { class: "form-error", role: "alert" }),
    h("button", { type: "submit", class: "button button-primary" }, "Export JSONL"),
  );
  const formError = /** @type {HTMLElement} */ (form.querySelector(".form-error"));
  onSubmit(form, async (text) => {
    const query = {
      split: text("split"),
      format: text("format"),
      images: vision ? text("images") : undefined,
      skip_invalid: vision ? String(text("skip_invalid") === "on") : undefined,
    };
    formError.textContent = "";
    replace(out);
    try {
      /** @type {Blob} */
      const blob = await api(datasetPath(dataset.id, "/export"), {
        query,
        as: "blob",
        signal: page.signal,
      });
      const lines = (await blob.text()).split("\n").filter((l) => l.trim()).length;
      if (objectUrl) URL.revokeObjectURL(objectUrl);
      objectUrl = URL.createObjectURL(new Blob([blob], { type: "application/jsonl" }));
      const filename = `${dataset.id}-${query.split}-${query.format}.jsonl`;
      replace(
        out,
        h(
          "p",
          {},
          `${fmt.int(lines)} line(s) ready (${fmt.compact(blob.size)} bytes). `,
          h("a", { href: objectUrl, download: filename, class: "button" }, `Download ${filename}`),
        ),
      );
    } catch (err) {
      formError.textContent = err instanceof Error ? err.message : String(err);
      if (err instanceof ApiError && err.code === "invalid_dataset") {
        out.append(
          h("p", { class: "muted" }, "Validate on the Examples tab to see each invalid example and image."),
        );
      }
    }
  });
  replace(
    t.root,
    card("Export", [
      h(
        "p",
        { class: "muted" },
        vision
          ? "Vision datasets are validated on export; invalid examples refuse the export unless left out."
          : "One training line per example, ready for a fine-tuning file.",
      ),
      form,
      out,
    ]),
  );
}

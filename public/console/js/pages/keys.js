// @ts-check
/**
 * Keys: a tenant's API keys (`GET …/keys`), a new one (`POST …/keys`, its secret shown once) and
 * revocation (`DELETE …/keys/{key_id}`). Revoking the key this console signed in with signs out.
 */
import { api, credentials, tenantPath } from "../api.js";
import {
  badge,
  busy,
  card,
  confirmAction,
  copyButton,
  empty,
  field,
  fmt,
  h,
  replace,
  showFormError,
  stackAsCards,
  table,
  toast,
} from "../ui.js";

/** @typedef {import("../types").ApiKey} ApiKey */

/**
 * The scopes a key can be given besides `admin` (which the console-access box grants), with what each
 * allows: the server's list, src/identity/scopes.ts, and docs/security.md.
 * @type {[string, string][]}
 */
const API_SCOPES = [
  ["inference", "Chat, responses, embeddings, models, Realtime sessions, client secrets and calls"],
  ["user_tokens", "Mint end-user tokens for phones and browsers"],
  ["completions.read", "List and read stored completions"],
  ["completions.write", "Change, delete and rate stored completions"],
  ["datasets", "Datasets: create, add, import, validate, export"],
  ["evals", "Evaluations on datasets"],
  ["fine_tuning", "Files and fine-tuning jobs"],
];
/** @typedef {import("../types").CreatedApiKey} CreatedApiKey */

/** @type {import("../types").Page} */
export const page = {
  title: "Keys",
  async render(ctx) {
    const base = `${tenantPath(ctx.tenantId)}/keys`;
    /** @type {import("../types").List<ApiKey>} */
    const first = await api(base, { signal: ctx.signal });
    const ownKeyId = ctx.principal.kind === "tenant" ? ctx.principal.key.id : null;

    const secretSlot = h("div", { class: "secret-slot" });
    const listSlot = h("div", {});
    /** @param {ApiKey[]} keys */
    const drawList = (keys) => replace(listSlot, keysTable(keys));
    const reload = async () => {
      /** @type {import("../types").List<ApiKey>} */
      const list = await api(base, { signal: ctx.signal });
      drawList(list.data);
    };

    /** @param {ApiKey[]} keys */
    const keysTable = (keys) => {
      if (keys.length === 0) {
        return empty(
          "No API keys",
          "Create one above: apps send it as the bearer token (Authorization: Bearer egk_…).",
        );
      }
      const sorted = [...keys].sort((a, b) => Number(a.revoked_at !== null) - Number(b.revoked_at !== null));
      const t = table(
        [
          { label: "Name", cell: (k) => [k.name, k.id === ownKeyId ? badge("this session", "info") : null] },
          { label: "Prefix", cell: (k) => h("code", {}, `${k.prefix}…`) },
          {
            label: "Console",
            cell: (k) => (k.console ? badge("console access", "ok") : badge("API only", "muted")),
          },
          {
            label: "Scopes",
            cell: (k) =>
              h(
                "span",
                { class: "key-scopes", "data-scopes": k.scopes.join(" ") },
                k.scopes.filter((s) => s !== "admin").join(", "),
              ),
          },
          { label: "Created", cell: (k) => fmt.time(k.created_at) },
          {
            label: "Status",
            cell: (k) =>
              k.revoked_at === null
                ? badge("active", "ok")
                : badge(`revoked ${fmt.ago(k.revoked_at)}`, "bad"),
          },
          {
            label: "Actions",
            cell: (k) => (k.revoked_at === null ? revokeButton(k) : null),
          },
        ],
        sorted,
        { rowAttrs: (k) => ({ "data-key": k.id, "data-key-name": k.name }) },
      );
      return stackAsCards(t, ["Name"]);
    };

    /** @param {ApiKey} key */
    const revokeButton = (key) => {
      const button = h(
        "button",
        { type: "button", class: "button button-small button-danger", "aria-label": `Revoke ${key.name}` },
        "Revoke",
      );
      button.addEventListener("click", () =>
        busy(button, async () => {
          const own = key.id === ownKeyId;
          const ok = await confirmAction(
            own
              ? `Revoke '${key.name}'? It is the key this console signed in with: you will be signed out.`
              : `Revoke '${key.name}' (${key.prefix}…)? Apps using it get 401 at once. This cannot be undone.`,
            "Revoke",
          );
          if (!ok) return;
          await api(`${base}/${encodeURIComponent(key.id)}`, { method: "DELETE" });
          if (own) {
            // The credential is dead: forget it and load the bare console URL, which shows the
            // sign-in form (a hash change first would route a page without a credential).
            credentials.clear();
            location.replace(location.pathname);
            return;
          }
          toast(`Key '${key.name}' revoked.`);
          await reload();
        }),
      );
      return button;
    };

    const name = h("input", {
      name: "name",
      required: true,
      maxlength: 200,
      placeholder: "e.g. backend prod",
    });
    const consoleBox = h("input", { name: "console", type: "checkbox" });
    const scopeBoxes = API_SCOPES.map(([scope, hint]) => ({
      scope,
      box: /** @type {HTMLInputElement} */ (
        h("input", { name: `scope-${scope}`, type: "checkbox", checked: true, value: scope })
      ),
      hint,
    }));
    const form = h(
      "form",
      { class: "key-form", "aria-label": "Create an API key" },
      field("Key name", name),
      h(
        "fieldset",
        { class: "field key-scopes-field" },
        h("legend", {}, "Scopes"),
        ...scopeBoxes.map(({ scope, box, hint }) =>
          h("label", { class: "field-check", title: hint }, box, " ", h("code", {}, scope)),
        ),
        h(
          "div",
          { class: "field-hint" },
          "What the key may do. A backend that hands tokens to phones needs only user_tokens; a server that calls models, only inference.",
        ),
      ),
      h(
        "div",
        { class: "field field-check" },
        h("label", {}, consoleBox, " Console access"),
        h(
          "div",
          { class: "field-hint" },
          "Lets this key sign in to this console and manage this tenant (keys, settings, cache). Leave off for apps.",
        ),
      ),
      h("div", { class: "form-error", role: "alert" }),
      h("button", { type: "submit", class: "button button-primary" }, "Create key"),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const submit = /** @type {HTMLButtonElement} */ (form.querySelector("button[type=submit]"));
      submit.disabled = true;
      try {
        /** @type {CreatedApiKey} */
        const created = await api(base, {
          method: "POST",
          body: {
            name: name.value.trim(),
            console: consoleBox.checked,
            scopes: [
              ...scopeBoxes.filter(({ box }) => box.checked).map(({ scope }) => scope),
              ...(consoleBox.checked ? ["admin"] : []),
            ],
          },
        });
        showFormError(form, "");
        form.reset();
        replace(
          secretSlot,
          secretPanel(created, () => replace(secretSlot)),
        );
        await reload();
      } catch (err) {
        showFormError(form, err, (p) => (p === "name" ? "name" : null));
      } finally {
        submit.disabled = false;
      }
    });

    drawList(first.data);
    replace(
      ctx.root,
      h("div", { class: "page-head" }, h("h1", {}, "API keys")),
      card("Create a key", [form, secretSlot]),
      card("Keys", listSlot, [], { "data-card": "keys" }),
    );
  },
};

/**
 * The new key's secret, shown once.
 * @param {CreatedApiKey} created
 * @param {() => void} dismiss
 */
function secretPanel(created, dismiss) {
  return h(
    "div",
    { class: "secret-panel", role: "region", "aria-label": "New API key" },
    h(
      "p",
      { class: "secret-warning", role: "alert" },
      h("strong", {}, `Key '${created.name}' created. `),
      "Copy it now: it won't be shown again. Only its prefix is kept for display.",
    ),
    h(
      "div",
      { class: "secret" },
      h("code", { class: "secret-value", "data-secret": "" }, created.key),
      copyButton(created.key, "Copy key"),
      h("button", { type: "button", class: "button button-small", onclick: dismiss }, "Done"),
    ),
  );
}

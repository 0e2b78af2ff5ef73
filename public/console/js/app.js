// @ts-check
/**
 * The console shell: sign-in, the tenant being looked at, navigation and hash routing
 * (`#/<page>/<params…>?<query>`). Each page is a module in ./pages exporting `page`.
 */

import { ApiError, api, credentials, useSession } from "./api.js";
import { page as cache } from "./pages/cache.js";
import { page as datasets } from "./pages/datasets.js";
import { page as keys } from "./pages/keys.js";
import { page as overview } from "./pages/overview.js";
import { page as playground } from "./pages/playground.js";
import { page as realtime } from "./pages/realtime.js";
import { page as settings } from "./pages/settings.js";
import { empty, failure, field, h, loading, replace, showFormError } from "./ui.js";

/** @typedef {import("./types").Principal} Principal */
/** @typedef {import("./types").Tenant} Tenant */
/** @typedef {import("./types").Page} Page */

/** @type {Record<string, Page>} in navigation order */
const PAGES = { overview, cache, realtime, datasets, playground, keys, settings };

const app = /** @type {HTMLElement} */ (document.getElementById("app"));

/** @type {{ principal: Principal, tenants: Tenant[], tenantId: string } | null} */
let session = null;
/** @type {AbortController | null} */
let current = null;

async function boot() {
  const credential = credentials.get();
  if (!credential) return showSignIn();
  replace(app, loading("your session"));
  try {
    await signIn(credential);
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
      credentials.clear();
      return showSignIn(err.message);
    }
    replace(app, failure(err, boot));
  }
}

/** @param {string} credential */
async function signIn(credential) {
  /** @type {Principal} */
  const principal = await api("/admin/whoami", { credential });
  credentials.set(credential);
  if (principal.kind === "tenant") {
    const tenant = /** @type {Tenant} */ ({
      object: "tenant",
      id: principal.tenant.id,
      name: principal.tenant.name,
      settings: {},
      created_at: 0,
    });
    session = { principal, tenants: [tenant], tenantId: tenant.id };
  } else {
    /** @type {import("./types").List<Tenant>} */
    const list = await api("/admin/tenants", { credential });
    const stored = credentials.tenant();
    const tenantId = list.data.find((t) => t.id === stored)?.id ?? list.data[0]?.id ?? "";
    session = { principal, tenants: list.data, tenantId };
  }
  useSession(session.principal, session.tenantId);
  if (session.tenantId) credentials.setTenant(session.tenantId);
  renderShell();
}

/** @param {string} [message] */
function showSignIn(message) {
  current?.abort();
  session = null;
  useSession(null, null);
  const input = h("input", {
    name: "credential",
    type: "password",
    autocomplete: "current-password",
    required: true,
    placeholder: "ADMIN_TOKEN or egk_…",
  });
  const form = h(
    "form",
    { class: "signin card", "aria-labelledby": "signin-title" },
    h("h1", { id: "signin-title" }, "Edgegate console"),
    h(
      "p",
      { class: "muted" },
      "Sign in with the gateway's admin token, or with an API key created with console access. It is kept only in this tab.",
    ),
    field("Admin token or API key", input),
    h("div", { class: "form-error", role: "alert" }, message ?? ""),
    h("button", { type: "submit", class: "button button-primary" }, "Sign in"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = /** @type {HTMLButtonElement} */ (form.querySelector("button[type=submit]"));
    button.disabled = true;
    try {
      await signIn(input.value.trim());
    } catch (err) {
      showFormError(form, err, () => "credential");
    } finally {
      button.disabled = false;
    }
  });
  replace(app, h("main", { class: "signin-wrap" }, form));
  input.focus();
}

function signOut() {
  credentials.clear();
  location.hash = "";
  showSignIn();
}

function renderShell() {
  if (!session) return;
  const s = session;
  const tenantControl =
    s.principal.kind === "admin"
      ? h(
          "label",
          { class: "tenant-picker" },
          h("span", { class: "visually-hidden" }, "Tenant"),
          (() => {
            const select = h(
              "select",
              { name: "tenant", "aria-label": "Tenant" },
              s.tenants.map((t) => h("option", { value: t.id, selected: t.id === s.tenantId }, t.name)),
            );
            select.addEventListener("change", () => {
              s.tenantId = select.value;
              credentials.setTenant(select.value);
              useSession(s.principal, s.tenantId);
              route();
            });
            return select;
          })(),
        )
      : h("span", { class: "tenant-name", title: s.principal.tenant.id }, s.principal.tenant.name);
  const nav = h(
    "nav",
    { class: "nav", "aria-label": "Console" },
    Object.entries(PAGES).map(([name, p]) => h("a", { href: `#/${name}`, "data-page": name }, p.title)),
  );
  replace(
    app,
    h(
      "header",
      { class: "topbar" },
      h("a", { class: "brand", href: "#/overview" }, "Edgegate"),
      tenantControl,
      h("button", { type: "button", class: "button button-small", onclick: signOut }, "Sign out"),
    ),
    nav,
    h("main", { id: "page", class: "page", tabindex: "-1" }),
  );
  route();
}

/** @param {HTMLElement} root */
function noTenant(root) {
  const name = h("input", { name: "name", required: true, placeholder: "acme" });
  const form = h(
    "form",
    { class: "inline-form" },
    field("Tenant name", name),
    h("div", { class: "form-error", role: "alert" }),
    h("button", { type: "submit", class: "button button-primary" }, "Create tenant"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api("/admin/tenants", { method: "POST", body: { name: name.value.trim() } });
      await signIn(credentials.get() ?? "");
    } catch (err) {
      showFormError(form, err, (p) => (p.endsWith("name") ? "name" : null));
    }
  });
  replace(
    root,
    empty(
      "No tenants yet",
      "A tenant owns API keys, settings, cache and datasets. Create the first one.",
      form,
    ),
  );
}

function route() {
  if (!session) return;
  const root = document.getElementById("page");
  if (!root) return;
  const [path = "", search = ""] = location.hash.replace(/^#\/?/, "").split("?");
  const [name = "overview", ...params] = path.split("/").filter(Boolean).map(decodeURIComponent);
  const pageName = name in PAGES ? name : "overview";
  const page = PAGES[pageName];
  for (const link of document.querySelectorAll(".nav a")) {
    if (link.getAttribute("data-page") === pageName) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  current?.abort();
  const controller = new AbortController();
  current = controller;
  document.title = `${page.title} · Edgegate`;
  if (!session.tenantId) return noTenant(root);
  replace(root, loading(page.title.toLowerCase()));
  /** @type {import("./types").PageContext} */
  const ctx = {
    root,
    principal: session.principal,
    tenantId: session.tenantId,
    params,
    query: new URLSearchParams(search),
    signal: controller.signal,
    navigate: (hash) => {
      location.hash = hash;
    },
    refresh: route,
  };
  Promise.resolve(page.render(ctx)).catch((err) => {
    if (controller.signal.aborted) return;
    if (err instanceof ApiError && err.status === 401) return signOut();
    replace(root, failure(err, route));
  });
}

window.addEventListener("hashchange", route);
boot();

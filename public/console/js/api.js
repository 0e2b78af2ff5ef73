// @ts-check
/**
 * The console's only way to reach the gateway: same-origin `fetch` with the credential the user typed
 * (kept in sessionStorage, so it ends with the tab), OpenAI-shaped errors turned into `ApiError`.
 */

/** @typedef {import("./types").Principal} Principal */
/** @typedef {import("./types").OpenAIErrorBody} OpenAIErrorBody */

const CREDENTIAL = "edgegate.console.credential";
const TENANT = "edgegate.console.tenant";

/** An error answered by the gateway (or the network), with the fields a form needs to show it. */
export class ApiError extends Error {
  /**
   * @param {number} status HTTP status, 0 when the gateway could not be reached.
   * @param {string} message
   * @param {{ param?: string | null, code?: string | null, type?: string }} [details]
   */
  constructor(status, message, details = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.param = details.param ?? null;
    this.code = details.code ?? null;
    this.type = details.type ?? null;
  }
}

export const credentials = {
  /** @returns {string | null} */
  get() {
    return sessionStorage.getItem(CREDENTIAL);
  },
  /** @param {string} value */
  set(value) {
    sessionStorage.setItem(CREDENTIAL, value);
  },
  clear() {
    sessionStorage.removeItem(CREDENTIAL);
    sessionStorage.removeItem(TENANT);
  },
  /** The tenant an admin is looking at. @returns {string | null} */
  tenant() {
    return sessionStorage.getItem(TENANT);
  },
  /** @param {string} id */
  setTenant(id) {
    sessionStorage.setItem(TENANT, id);
  },
};

/** Whom the credential belongs to; set once signed in. @type {Principal | null} */
let principal = null;
/** @type {string | null} */
let actingTenant = null;

/**
 * Remembers who is signed in and, for an admin, which tenant `/v1` calls act as (`X-Edgegate-Tenant`).
 * @param {Principal | null} who
 * @param {string | null} tenantId
 */
export function useSession(who, tenantId) {
  principal = who;
  actingTenant = tenantId;
}

/**
 * @typedef {object} RequestOptions
 * @property {string} [method]
 * @property {unknown} [body] sent as JSON
 * @property {Record<string, string | number | boolean | undefined | null>} [query]
 * @property {AbortSignal} [signal]
 * @property {string} [credential] overrides the stored one (sign-in)
 * @property {"json" | "text" | "blob" | "response"} [as]
 */

/**
 * Calls the gateway. Resolves with the parsed body; rejects with `ApiError`.
 * @template [T=unknown]
 * @param {string} path e.g. `/admin/tenants/t_1/stats`
 * @param {RequestOptions} [opts]
 * @returns {Promise<T>}
 */
export async function api(path, opts = {}) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(opts.query ?? {})) {
    if (v !== undefined && v !== null && v !== "") url.searchParams.set(k, String(v));
  }
  /** @type {Record<string, string>} */
  const headers = { accept: "application/json" };
  const credential = opts.credential ?? credentials.get();
  if (credential) headers.authorization = `Bearer ${credential}`;
  if (principal?.kind === "admin" && actingTenant && url.pathname.startsWith("/v1/")) {
    headers["x-edgegate-tenant"] = actingTenant;
  }
  /** @type {BodyInit | undefined} */
  let body;
  if (opts.body !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(opts.body);
  }
  /** @type {Response} */
  let res;
  try {
    res = await fetch(url, { method: opts.method ?? "GET", headers, body, signal: opts.signal });
  } catch (err) {
    if (err instanceof DOMException && err.name === "AbortError") throw err;
    throw new ApiError(0, "The gateway could not be reached. Check that it is running, then retry.");
  }
  if (!res.ok) throw await errorOf(res);
  if (opts.as === "response") return /** @type {T} */ (/** @type {unknown} */ (res));
  if (opts.as === "text") return /** @type {T} */ (/** @type {unknown} */ (await res.text()));
  if (opts.as === "blob") return /** @type {T} */ (/** @type {unknown} */ (await res.blob()));
  if (res.status === 204) return /** @type {T} */ (/** @type {unknown} */ (null));
  return /** @type {T} */ (await res.json());
}

/** @param {Response} res */
async function errorOf(res) {
  const text = await res.text();
  try {
    const body = /** @type {OpenAIErrorBody} */ (JSON.parse(text));
    if (body && typeof body.error?.message === "string") {
      return new ApiError(res.status, body.error.message, body.error);
    }
  } catch {
    // not JSON: fall through
  }
  return new ApiError(res.status, `${res.status} ${res.statusText}${text ? `: ${text.slice(0, 200)}` : ""}`);
}

/** The `/admin/tenants/{id}` prefix of the tenant being looked at. @param {string} tenantId */
export const tenantPath = (tenantId) => `/admin/tenants/${encodeURIComponent(tenantId)}`;

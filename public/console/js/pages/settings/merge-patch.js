// @ts-check
/** Settings as JSON: paths into them and JSON Merge Patch (RFC 7396), as `PATCH /admin/tenants/{id}` takes. */

/** @param {unknown} v @returns {v is Record<string, unknown>} */
export const isObject = (v) => typeof v === "object" && v !== null && !Array.isArray(v);

/** @param {Record<string, unknown>} obj @param {string} path */
export function getPath(obj, path) {
  /** @type {unknown} */
  let at = obj;
  for (const part of path.split(".")) {
    if (!isObject(at)) return undefined;
    at = at[part];
  }
  return at;
}

/** @param {Record<string, unknown>} obj @param {string} path @param {unknown} value */
export function setPath(obj, path, value) {
  const parts = path.split(".");
  const last = /** @type {string} */ (parts.pop());
  let at = obj;
  for (const part of parts) {
    const next = at[part];
    if (!isObject(next)) at[part] = {};
    at = /** @type {Record<string, unknown>} */ (at[part]);
  }
  at[last] = value;
}

/**
 * The JSON Merge Patch (RFC 7396) that turns `from` into `to`.
 * @param {unknown} from
 * @param {unknown} to
 * @returns {unknown} undefined when nothing changes
 */
export function mergePatchBetween(from, to) {
  if (!isObject(from) || !isObject(to)) return JSON.stringify(from) === JSON.stringify(to) ? undefined : to;
  /** @type {Record<string, unknown>} */
  const patch = {};
  for (const key of Object.keys(from)) if (!(key in to)) patch[key] = null;
  for (const [key, value] of Object.entries(to)) {
    const sub = key in from ? mergePatchBetween(from[key], value) : value;
    if (sub !== undefined) patch[key] = sub;
  }
  return Object.keys(patch).length ? patch : undefined;
}

/**
 * Drops the `null`s that mark removed keys (and objects left empty), giving the settings as they
 * should be afterwards.
 * @param {Record<string, unknown>} obj
 * @returns {Record<string, unknown>}
 */
export function stripNulls(obj) {
  /** @type {Record<string, unknown>} */
  const out = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v === null) continue;
    if (isObject(v)) {
      const inner = stripNulls(v);
      if (Object.keys(inner).length) out[k] = inner;
    } else out[k] = v;
  }
  return out;
}

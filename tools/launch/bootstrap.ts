import { expectJson, httpRequest } from "./http-client";

export interface TenantKey {
  tenantId: string;
  apiKey: string;
  /** The key's id, for `DELETE /admin/keys/:id`. */
  keyId: string;
}

interface TenantList {
  data: { id: string; name: string }[];
}

/**
 * Finds the tenant called `name` (creating it if missing) through the admin API and creates a fresh
 * API key for it.
 *
 * @param url the gateway's origin, e.g. `http://127.0.0.1:8787`
 * @param opts.ca the certificate to trust when the gateway serves HTTPS
 */
export async function bootstrapTenant(
  url: string,
  adminToken: string,
  name = "default",
  opts: { ca?: string; keyName?: string } = {},
): Promise<TenantKey> {
  const headers = { authorization: `Bearer ${adminToken}`, "content-type": "application/json" };
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await httpRequest(`${url}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      ca: opts.ca,
    });
    return expectJson<T>(res, `${method} ${path}`);
  };
  const tenants = await call<TenantList>("GET", "/admin/tenants");
  const tenant =
    tenants.data.find((t) => t.name === name) ??
    (await call<{ id: string }>("POST", "/admin/tenants", { name }));
  const created = await call<{ id: string; key: string }>("POST", `/admin/tenants/${tenant.id}/keys`, {
    name: opts.keyName ?? `local ${new Date().toISOString()}`,
  });
  return { tenantId: tenant.id, apiKey: created.key, keyId: created.id };
}

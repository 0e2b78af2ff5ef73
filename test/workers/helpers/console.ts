import { ADMIN_TOKEN, admin, createTenant, gw, jsonInit, type TestTenant } from "./gateway";

export const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });

/** A fresh tenant with a plain key (`key`) and a console key (`consoleKey`). */
export interface ConsoleTenant extends TestTenant {
  consoleKey: string;
  consoleKeyId: string;
}

/** Creates a key through the admin API; `console` gives it console access. */
export async function createKey(
  tenantId: string,
  body: { name: string; console?: boolean; scopes?: string[] },
): Promise<{ id: string; key: string; console: boolean }> {
  const res = await admin(`/tenants/${tenantId}/keys`, "POST", body);
  if (res.status !== 201) throw new Error(`key: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string; key: string; console: boolean };
}

export async function createConsoleTenant(settings: Record<string, unknown> = {}): Promise<ConsoleTenant> {
  const tenant = await createTenant(settings);
  const key = await createKey(tenant.id, { name: "console", console: true });
  return { ...tenant, consoleKey: key.key, consoleKeyId: key.id };
}

/** Calls an `/admin` path with any credential (a console key, or ADMIN_TOKEN when omitted). */
export function adminAs(
  secret: string | null,
  path: string,
  method = "GET",
  body?: unknown,
): Promise<Response> {
  const headers: Record<string, string> = secret === null ? {} : bearer(secret);
  return gw(`/admin${path}`, body === undefined ? { method, headers } : jsonInit(method, body, headers));
}

/** ADMIN_TOKEN acting as a tenant on `/v1` (the console's admin mode). */
export function asTenant(tenantId: string, extra: Record<string, string> = {}): Record<string, string> {
  return { ...bearer(ADMIN_TOKEN), "x-edgegate-tenant": tenantId, ...extra };
}

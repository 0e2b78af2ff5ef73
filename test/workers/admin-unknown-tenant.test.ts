import { describe, expect, it } from "vitest";
import { admin, errorOf } from "./helpers/gateway";

/**
 * Every admin route under `/tenants/{id}` loads the tenant first through one lookup
 * (`adminTenant` / `tenantOrNotFound`, src/identity/admin-access.ts): a tenant that does not exist is
 * a 404 naming `id`, before anything else is read or written.
 */
describe("admin routes of a tenant that does not exist", () => {
  const missing = "ten_does_not_exist";
  it.each([
    ["GET", `/tenants/${missing}`],
    ["GET", `/tenants/${missing}/tools`],
    ["POST", `/tenants/${missing}/tools/secret/rotate`],
    ["GET", `/tenants/${missing}/realtime/sessions`],
    ["GET", `/tenants/${missing}/providers`],
    ["GET", `/tenants/${missing}/cache/events`],
    ["GET", `/tenants/${missing}/captures/dead_letter`],
    ["DELETE", `/tenants/${missing}/aliases/support`],
  ])("%s %s answers 404 tenant_not_found naming id", async (method, path) => {
    const res = await admin(path, method);
    expect(res.status).toBe(404);
    expect(await errorOf(res)).toMatchObject({ code: "tenant_not_found", param: "id" });
  });
});

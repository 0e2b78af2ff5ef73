/**
 * A cross-tenant probe of the gateway's own resources: tenant B (with a full key) and an end user of
 * tenant A aim every route at tenant A's stored completions, datasets, examples, validations,
 * exports and dataset jobs. Every answer is the 404 (or 403 for end users) a missing resource gets,
 * and nothing of A's appears in B's lists or imports. Provider objects (files, jobs, models) are
 * probed in finetune-ownership.test.ts.
 */
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { bearer } from "./helpers/console";
import { createTenant, errorOf, gw, jsonInit, sdk, type TestTenant } from "./helpers/gateway";
import { sim } from "./helpers/sim";

beforeEach(() => sim.reset());

interface Victim {
  tenant: TestTenant;
  completionId: string;
  datasetId: string;
  validationId: string;
}

const SECRET = "the victim's private answer 7731";

async function victim(): Promise<Victim> {
  const tenant = await createTenant();
  const client = sdk(tenant.key);
  const done = await client.chat.completions.create({
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: SECRET }],
    store: true,
  });
  const deadline = Date.now() + 3_000;
  while ((await gw(`/v1/chat/completions/${done.id}`, { headers: bearer(tenant.key) })).status !== 200) {
    if (Date.now() > deadline) throw new Error("not captured");
    await new Promise((r) => setTimeout(r, 20));
  }
  const ds = await gw("/v1/datasets", jsonInit("POST", { name: "private" }, bearer(tenant.key)));
  const { id: datasetId } = (await ds.json()) as { id: string };
  const imported = await gw(
    `/v1/datasets/${datasetId}/import`,
    jsonInit("POST", { filter: {} }, bearer(tenant.key)),
  );
  expect(imported.status).toBe(200);
  await imported.body?.cancel();
  const validated = await gw(
    `/v1/datasets/${datasetId}/validate?background=true`,
    jsonInit("POST", {}, bearer(tenant.key)),
  );
  const validation = (await validated.json()) as { id?: string };
  return { tenant, completionId: done.id, datasetId, validationId: validation.id ?? "val_missing" };
}

describe("tenant and user isolation of the gateway's own resources", () => {
  let a: Victim;
  beforeAll(async () => {
    a = await victim();
  });

  const probes = (v: Victim): [string, string, unknown?][] => [
    ["GET", `/v1/chat/completions/${v.completionId}`],
    ["GET", `/v1/chat/completions/${v.completionId}/messages`],
    ["POST", `/v1/chat/completions/${v.completionId}`, { metadata: { x: "y" } }],
    ["POST", `/v1/chat/completions/${v.completionId}/feedback`, { score: 0 }],
    ["DELETE", `/v1/chat/completions/${v.completionId}`],
    ["GET", `/v1/datasets/${v.datasetId}`],
    ["GET", `/v1/datasets/${v.datasetId}/examples`],
    ["POST", `/v1/datasets/${v.datasetId}/examples`, { examples: [] }],
    ["POST", `/v1/datasets/${v.datasetId}/validate`, {}],
    ["GET", `/v1/datasets/${v.datasetId}/validations/${v.validationId}`],
    ["POST", `/v1/datasets/${v.datasetId}/import`, { filter: {} }],
    ["GET", `/v1/datasets/${v.datasetId}/export?split=train`],
    ["GET", `/v1/datasets/${v.datasetId}/evals`],
    [
      "POST",
      `/v1/datasets/${v.datasetId}/evals`,
      { models: ["gpt-4o-mini", "gpt-4o"], grader: { type: "exact" } },
    ],
    ["GET", `/v1/datasets/${v.datasetId}/fine_tuning_jobs`],
    ["POST", `/v1/datasets/${v.datasetId}/fine_tuning_jobs`, { model: "gpt-4.1-mini" }],
    ["DELETE", `/v1/datasets/${v.datasetId}`],
  ];

  async function call(method: string, path: string, body: unknown, credential: string) {
    const init =
      body === undefined
        ? { method, headers: bearer(credential) }
        : jsonInit(method, body, bearer(credential));
    const res = await gw(path, init);
    const text = await res.text();
    return { status: res.status, text };
  }

  it("answers 404 to another tenant for every route aimed at the victim's resources", async () => {
    const b = await createTenant();
    const leaks: string[] = [];
    for (const [method, path, body] of probes(a)) {
      const { status, text } = await call(method, path, body, b.key);
      if (status !== 404 || text.includes(SECRET)) leaks.push(`${method} ${path}: ${status}`);
    }
    expect(leaks).toEqual([]);
    // And the victim's resources are all still there.
    const still = await gw(`/v1/datasets/${a.datasetId}`, { headers: bearer(a.tenant.key) });
    expect(still.status).toBe(200);
    await still.body?.cancel();
  });

  it("shows another tenant none of the victim's rows in its lists and imports", async () => {
    const b = await createTenant();
    const client = sdk(b.key);
    expect((await client.chat.completions.list()).data).toEqual([]);
    const datasets = (await (await gw("/v1/datasets", { headers: bearer(b.key) })).json()) as {
      data: { id: string }[];
    };
    expect(datasets.data.map((d) => d.id)).not.toContain(a.datasetId);
    // The victim's ids as list cursors are refused as unknown ones are: they place nothing.
    for (const path of [
      `/v1/datasets?after=${a.datasetId}`,
      `/v1/chat/completions?after=${a.completionId}`,
    ]) {
      const res = await gw(path, { headers: bearer(b.key) });
      expect(res.status, path).toBe(400);
      expect((await errorOf(res)).code, path).toBe("invalid_cursor");
    }
    const ds = await gw("/v1/datasets", jsonInit("POST", { name: "thief" }, bearer(b.key)));
    const { id } = (await ds.json()) as { id: string };
    const imported = await gw(`/v1/datasets/${id}/import`, jsonInit("POST", { filter: {} }, bearer(b.key)));
    expect(imported.status).toBe(200);
    const exported = await gw(`/v1/datasets/${id}/export?split=train`, { headers: bearer(b.key) });
    expect(await exported.text()).not.toContain(SECRET);
    expect(await imported.text()).not.toContain(SECRET);
  });

  it("refuses an end user of the victim's own tenant on every tenant-wide route", async () => {
    const minted = await gw(
      "/v1/auth/user_tokens",
      jsonInit("POST", { user: "mallory" }, bearer(a.tenant.key)),
    );
    const { token } = (await minted.json()) as { token: string };
    const leaks: string[] = [];
    for (const [method, path, body] of probes(a)) {
      const { status, text } = await call(method, path, body, token);
      if ((status !== 404 && status !== 403) || text.includes(SECRET))
        leaks.push(`${method} ${path}: ${status}`);
    }
    expect(leaks).toEqual([]);
  });
});

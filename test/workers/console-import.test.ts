import { beforeEach, describe, expect, it } from "vitest";
import { asTenant, createConsoleTenant } from "./helpers/console";
import { errorOf, gw, jsonInit, sdk } from "./helpers/gateway";
import { eventually } from "./helpers/realtime";
import { sim } from "./helpers/sim";

beforeEach(() => sim.reset());

interface Report {
  object: string;
  dry_run: boolean;
  scanned: number;
  imported: number;
  duplicates: number;
  skipped: number;
  sample?: { completion_id: string; model: string; created: number; preview: string }[];
}

describe("POST /v1/datasets/{id}/import with dry_run", () => {
  it("adds nothing and reports what would be added with a sample; a real import then matches it", async () => {
    const t = await createConsoleTenant();
    const questions = ["Name a prime number", "Name a colour", "Name a planet"];
    const ids: string[] = [];
    for (const q of questions) {
      const done = await sdk(t.key).chat.completions.create({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: q }],
        store: true,
      });
      ids.push(done.id);
    }
    await eventually(
      () => sdk(t.key).chat.completions.list({ limit: 100 }),
      (list) => list.data.length >= questions.length,
    );
    const headers = asTenant(t.id);
    const created = await gw("/v1/datasets", jsonInit("POST", { name: "preview" }, headers));
    const { id } = (await created.json()) as { id: string };
    const importOnce = async (body: Record<string, unknown>) => {
      const res = await gw(`/v1/datasets/${id}/import`, jsonInit("POST", body, headers));
      expect(res.status).toBe(200);
      return (await res.json()) as Report;
    };
    const examples = async () =>
      ((await (await gw(`/v1/datasets/${id}/examples`, { headers })).json()) as { data: unknown[] }).data;

    const dry = await importOnce({ dry_run: true });
    expect(dry).toMatchObject({
      object: "dataset.import",
      dry_run: true,
      scanned: 3,
      imported: 3,
      duplicates: 0,
    });
    expect(dry.sample?.map((s) => s.completion_id).sort()).toEqual([...ids].sort());
    expect(dry.sample?.map((s) => s.preview).sort()).toEqual([...questions].sort());
    for (const s of dry.sample ?? []) {
      expect(s.model).toContain("gpt-4o-mini");
      expect(s.created).toBeGreaterThan(1_600_000_000);
    }
    expect(await examples()).toEqual([]);

    const real = await importOnce({});
    expect(real).toMatchObject({ dry_run: false, imported: 3 });
    expect(real.sample).toBeUndefined();
    expect(await examples()).toHaveLength(3);

    const again = await importOnce({ dry_run: true });
    expect(again).toMatchObject({ dry_run: true, imported: 0, duplicates: 3, sample: [] });
    expect(await examples()).toHaveLength(3);
  });

  it("refuses a non-boolean dry_run with a 400 naming it", async () => {
    const t = await createConsoleTenant();
    const headers = asTenant(t.id);
    const { id } = (await (await gw("/v1/datasets", jsonInit("POST", { name: "x" }, headers))).json()) as {
      id: string;
    };
    const res = await gw(`/v1/datasets/${id}/import`, jsonInit("POST", { dry_run: "yes" }, headers));
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({ type: "invalid_request_error", param: "dry_run" });
  });
});

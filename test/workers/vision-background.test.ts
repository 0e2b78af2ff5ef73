import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createTenant, errorOf, gw, jsonInit } from "./helpers/gateway";
import { simFetch } from "./helpers/sim";
import {
  auth,
  createVisionDataset,
  finishedRun,
  hitsOf,
  imageOrigin,
  img,
  type ValidationRun,
  type VisionReport,
  visionExample,
} from "./helpers/vision";

/** Without redirects or DNS lookups an image costs 2 operations (download, store), so 12 fit 5 per step. */
const SMALL_BUDGET = { allow_private_image_hosts: true, max_redirects: 0, request_budget: 12 };

let served = Date.now() * 1000;
/** `n` image URLs the image server has never served. */
const freshUrls = (n: number) => Array.from({ length: n }, () => `${imageOrigin}/gen/${served++}.png`);

async function setup() {
  const { key } = await createTenant({ vision: SMALL_BUDGET });
  return { key, ds: await createVisionDataset(key) };
}

const postValidate = (key: string, ds: string, query = "", examples?: unknown[]) =>
  gw(
    `/v1/datasets/${ds}/validate${query}`,
    examples ? jsonInit("POST", { examples }, auth(key)) : { method: "POST", headers: auth(key) },
  );

/** Starts a validation that has to run in the background, and waits until it is over. */
async function inBackground(key: string, ds: string, query: string, examples?: unknown[]) {
  const res = await postValidate(key, ds, query, examples);
  expect(res.status).toBe(202);
  return finishedRun(key, ds, ((await res.json()) as ValidationRun).id);
}

describe("background vision validation", () => {
  it("validates examples needing more image operations than the request budget in chunks within it", async () => {
    const { key, ds } = await setup();
    const urls = freshUrls(30);
    const examples = [
      ...Array.from({ length: 10 }, (_, i) => visionExample(urls.slice(i * 3, i * 3 + 3))),
      visionExample([img("gray.png"), urls[0] ?? ""]),
    ];
    const res = await postValidate(key, ds, "", examples);
    expect(res.status).toBe(202);
    const started = (await res.json()) as ValidationRun;
    expect(started).toMatchObject({ object: "dataset.validation_run", status: "in_progress", report: null });
    expect(res.headers.get("location")).toBe(`/v1/datasets/${ds}/validations/${started.id}`);

    const run = await finishedRun(key, ds, started.id);
    expect(run.status).toBe("completed");
    // 31 distinct images at 2 operations each, at most 12 operations (one kept for D1) per step.
    expect(run.progress).toMatchObject({ images_total: 31, images_checked: 31 });
    expect(run.progress.chunks).toBeGreaterThanOrEqual(Math.ceil((31 * 2) / 11));
    expect(run.max_chunk_operations).toBeLessThanOrEqual(12);
    const report = run.report as VisionReport;
    expect(report.summary).toMatchObject({ examples: 11, valid_examples: 10, images: 32, unique_images: 30 });
    expect(report.examples[10]?.errors.map((e) => e.code)).toEqual(["image_grayscale"]);
    expect(report.examples[10]?.warnings.map((e) => e.code)).toEqual(["duplicate_image"]);
    for (const url of urls) expect(await hitsOf(url)).toBe(1);

    // Checked images are remembered: the same validation now fits one request and downloads nothing.
    const again = await postValidate(key, ds, "", examples);
    expect(again.status).toBe(200);
    expect(((await again.json()) as VisionReport).summary).toMatchObject(report.summary);
    for (const url of urls) expect(await hitsOf(url)).toBe(1);
  });

  it("asks for a validation before exporting or training on a large unvalidated dataset, then reuses it", async () => {
    const { key } = await setup();
    const ds = await createVisionDataset(key, 0);
    const urls = freshUrls(20);
    const examples = Array.from({ length: 10 }, (_, i) => visionExample(urls.slice(i * 2, i * 2 + 2)));
    const added = await gw(`/v1/datasets/${ds}/examples`, jsonInit("POST", { examples }, auth(key)));
    expect(added.status).toBe(200);

    const refused = await gw(`/v1/datasets/${ds}/export?images=url`, { headers: auth(key) });
    expect(refused.status).toBe(409);
    const error = await errorOf(refused);
    expect(error).toMatchObject({ code: "validation_required", param: "dataset_id" });
    expect(error.message).toContain(`POST /v1/datasets/${ds}/validate?stored=true`);
    const job = await gw(`/v1/datasets/${ds}/fine_tuning_jobs`, jsonInit("POST", {}, auth(key)));
    expect(job.status).toBe(409);
    expect(await errorOf(job)).toMatchObject({ code: "validation_required" });
    for (const url of urls) expect(await hitsOf(url)).toBe(0);

    const run = await inBackground(key, ds, "?stored=true");
    expect(run.report).toMatchObject({ valid: true, total: 10 });

    const exported = await gw(`/v1/datasets/${ds}/export?images=url`, { headers: auth(key) });
    expect(exported.status).toBe(200);
    expect((await exported.text()).match(/\/v1\/images\/[0-9a-f]{64}/g)).toHaveLength(20);
    for (const url of urls) expect(await hitsOf(url)).toBe(1);

    const inline = await gw(`/v1/datasets/${ds}/export?images=inline`, { headers: auth(key) });
    expect(inline.status).toBe(409);
    expect(await errorOf(inline)).toMatchObject({ code: "too_many_images_inline", param: "images" });
    const inlineJob = await gw(`/v1/datasets/${ds}/fine_tuning_jobs`, jsonInit("POST", {}, auth(key)));
    expect(inlineJob.status).toBe(409);
    expect((await errorOf(inlineJob)).message).toContain('"images": "url"');

    const urlJob = await gw(
      `/v1/datasets/${ds}/fine_tuning_jobs`,
      jsonInit("POST", { images: "url" }, auth(key)),
    );
    expect(urlJob.status).toBe(200);
    const { training_file } = (await urlJob.json()) as { training_file: string };
    const file = await simFetch(`/v1/files/${training_file}/content`, {
      headers: { authorization: "Bearer sk-sim-edgegate" },
    });
    expect((await file.text()).match(/https:\/\/gateway\.test\/v1\/images\/[0-9a-f]{64}\?/g)).toHaveLength(
      20,
    );
    for (const url of urls) expect(await hitsOf(url)).toBe(1);
  });

  it("answers a repeated stored validation with the run in progress instead of starting another", async () => {
    const { key } = await setup();
    const ds = await createVisionDataset(key, 0);
    // Slow images (3 s each) keep the run in progress while the second request comes.
    const slow = Array.from({ length: 8 }, () => `${imageOrigin}/slow/rgb.png?n=${served++}`);
    const examples = Array.from({ length: 4 }, (_, i) => visionExample(slow.slice(i * 2, i * 2 + 2)));
    expect((await gw(`/v1/datasets/${ds}/examples`, jsonInit("POST", { examples }, auth(key)))).status).toBe(
      200,
    );
    const first = await postValidate(key, ds, "?stored=true");
    expect(first.status).toBe(202);
    const second = await postValidate(key, ds, "?stored=true");
    expect(second.status).toBe(202);
    const [a, b] = [(await first.json()) as ValidationRun, (await second.json()) as ValidationRun];
    expect(b.id).toBe(a.id);
    const done = await finishedRun(key, ds, a.id);
    const report = done.report as unknown as { total: number; examples: { valid: boolean }[] };
    expect(report.total).toBe(4);
    expect(report.examples.every((e) => e.valid)).toBe(true);
    // Once it is over, the images' checks are remembered: the next validation answers at once.
    expect((await postValidate(key, ds, "?stored=true")).status).toBe(200);
  }, 30_000);

  it("validates the stored examples of a dataset within the budget at once (stored=true)", async () => {
    const { key, ds } = await setup();
    const examples = [visionExample(freshUrls(2)), visionExample([img("palette.png")])];
    expect((await gw(`/v1/datasets/${ds}/examples`, jsonInit("POST", { examples }, auth(key)))).status).toBe(
      200,
    );
    const res = await postValidate(key, ds, "?stored=true");
    expect(res.status).toBe(200);
    const report = (await res.json()) as VisionReport;
    expect(report).toMatchObject({ valid: false, total: 2 });
    expect(report.examples[1]?.errors.map((e) => e.code)).toEqual(["image_palette"]);
    expect(report.summary.errors.map((e) => e.code)).toEqual(["too_few_examples"]);

    const chat = (await (await gw("/v1/datasets", jsonInit("POST", { name: "c" }, auth(key)))).json()) as {
      id: string;
    };
    const refused = await postValidate(key, chat.id, "?stored=true");
    expect(refused.status).toBe(400);
    expect(await errorOf(refused)).toMatchObject({ param: "stored", code: "invalid_value" });
  });

  it("shows a validation only to its dataset's tenant", async () => {
    const { key, ds } = await setup();
    const { id } = await inBackground(key, ds, "", [visionExample(freshUrls(7))]);
    const other = await setup();
    const foreign = await gw(`/v1/datasets/${ds}/validations/${id}`, { headers: auth(other.key) });
    expect(foreign.status).toBe(404);
    const otherDataset = await gw(`/v1/datasets/${other.ds}/validations/${id}`, { headers: auth(other.key) });
    expect(otherDataset.status).toBe(404);
    expect(await errorOf(otherDataset)).toMatchObject({ param: "validation_id", code: "not_found" });
  });

  it("forgets a finished validation once its keeping time is over", async () => {
    const { key, ds } = await setup();
    const { id, status } = await inBackground(key, ds, "", [visionExample(freshUrls(7))]);
    expect(status).toBe("completed");
    // The only alarm left is the one that drops the finished run.
    expect(await runDurableObjectAlarm(env.VISION_VALIDATOR.getByName(id))).toBe(true);
    const gone = await gw(`/v1/datasets/${ds}/validations/${id}`, { headers: auth(key) });
    expect(gone.status).toBe(404);
  });

  it("documents the validation run in /openapi.json", async () => {
    const doc = (await (await gw("/openapi.json")).json()) as {
      paths: Record<string, { post?: { responses: Record<string, unknown> } }>;
    };
    expect(Object.keys(doc.paths)).toContain("/v1/datasets/{dataset_id}/validations/{validation_id}");
    expect(Object.keys(doc.paths["/v1/datasets/{dataset_id}/validate"]?.post?.responses ?? {})).toContain(
      "202",
    );
  });
});

/**
 * The datasets page in headless Chromium against `npm start`: captured traffic made with the SDK,
 * then create → preview → import → validate → export → fine-tune → evaluate → alias and promote,
 * each step checked against the API; a vision dataset shows its images and their problems.
 */
import { readFile } from "node:fs/promises";
import { crc32, deflateSync } from "node:zlib";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  type ConsoleBrowser,
  defaultTenantId,
  openBrowser,
  type StartedGateway,
  screenshot,
  signIn,
  startGateway,
} from "../helpers-node/console-browser";
import { gatewayClient } from "../helpers-node/openai-client";

const SUPPORT = 20;
const OTHER = 4;
const BASE_MODEL = "gpt-4o-mini-2024-07-18";

/** A small RGB PNG, built here so the test needs no image files. */
function png(width: number, height: number, rgb: [number, number, number]): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body) >>> 0);
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: RGB
  const row = Buffer.concat([Buffer.from([0]), ...Array.from({ length: width }, () => Buffer.from(rgb))]);
  const pixels = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(pixels)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** A red 1×1 GIF (GIF89a): a format fine-tuning refuses, whatever the data URL claims. */
const GIF = Buffer.from("R0lGODlhAQABAPAAAP8AAP///yH5BAAAAAAALAAAAAABAAEAAAICRAEAOw==", "base64");

let gw: StartedGateway;
let desktop: ConsoleBrowser;
let tenantId: string;
let datasetId: string;
let visionId: string;
let fineTuned: string;
let failingEval: string;
let passingEval: string;

type Json = Record<string, unknown>;

/** The API as a tenant (its key), for checking what the page shows and did. */
async function v1<T = Json>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const res = await fetch(`${gw.url}${path}`, {
    method: init.method ?? "GET",
    headers: { authorization: `Bearer ${gw.apiKey}`, "content-type": "application/json" },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  if (!res.ok) throw new Error(`${init.method ?? "GET"} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** The admin API: status and body. */
async function admin(path: string, init: { method?: string; body?: unknown } = {}) {
  const res = await fetch(`${gw.url}${path}`, {
    method: init.method ?? "GET",
    headers: { authorization: `Bearer ${gw.adminToken}`, "content-type": "application/json" },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: res.status, body: (await res.json()) as Json & { error?: Json } };
}

const tab = (page: Page, id: string, name: string) =>
  page.goto(`${gw.url}/console/#/datasets/${encodeURIComponent(id)}?tab=${name}`);

const statValue = (page: Page, label: string) => page.locator(`[data-stat="${label}"] .stat-value`);

beforeAll(async () => {
  gw = await startGateway();
  tenantId = await defaultTenantId(gw);
  const client = gatewayClient(gw.url, gw.apiKey);
  for (let i = 1; i <= SUPPORT + OTHER; i++) {
    const feature = i <= SUPPORT ? "support" : "billing";
    await client.chat.completions.create({
      model: "gpt-4o-mini",
      store: true,
      metadata: { feature },
      messages: [{ role: "user", content: `${feature} question ${i}: how do I reset my password?` }],
    });
  }
  // Capture runs after each answer: wait until every completion is stored.
  await vi.waitFor(
    async () => {
      const stored = await v1<{ data: Json[] }>("/v1/chat/completions?limit=100");
      expect(stored.data).toHaveLength(SUPPORT + OTHER);
    },
    { timeout: 30_000, interval: 250 },
  );
  desktop = await openBrowser();
  await signIn(desktop.page, gw.url, gw.adminToken);
}, 180_000);

afterAll(async () => {
  await desktop?.close();
  await gw?.stop();
});

describe("datasets page", { timeout: 120_000 }, () => {
  it("shows the empty state, then creates a dataset from the form", async () => {
    const { page } = desktop;
    await page.goto(`${gw.url}/console/#/datasets`);
    await expect.poll(() => page.getByText("No datasets yet").isVisible()).toBe(true);
    await page.getByLabel("Name").fill("support answers");
    await page.getByLabel("Validation share").fill("0.2");
    await page.getByRole("button", { name: "Create dataset" }).click();
    await page.getByRole("form", { name: "Import filter" }).waitFor();
    const list = await v1<{ data: { id: string; name: string; kind: string }[] }>("/v1/datasets");
    expect(list.data).toHaveLength(1);
    expect(list.data[0]).toMatchObject({ name: "support answers", kind: "chat" });
    datasetId = list.data[0]?.id ?? "";
    expect(page.url()).toContain(`#/datasets/${datasetId}?tab=import`);
  });

  it("previews an import with a filter, then imports exactly what the preview counted", async () => {
    const { page } = desktop;
    await page.getByLabel("Metadata key").fill("feature");
    await page.getByLabel("Metadata value").fill("support");
    await page.getByRole("button", { name: "Preview import" }).click();
    const preview = page.getByRole("status", { name: "Import preview" });
    await preview.waitFor();
    await expect.poll(() => statValue(page, "Would be added").textContent()).toBe(String(SUPPORT));
    // The sample rows are captured completions of the filter, nothing is added yet.
    expect(await preview.locator("tbody tr").count()).toBeGreaterThan(0);
    expect(await preview.locator("tbody").textContent()).toContain("support question");
    expect(await preview.locator("tbody").textContent()).not.toContain("billing question");
    expect(
      (await v1<{ example_counts: { total: number } }>(`/v1/datasets/${datasetId}`)).example_counts.total,
    ).toBe(0);
    await screenshot(page, "datasets-import");

    await page.getByRole("button", { name: "Import", exact: true }).click();
    await page.getByRole("status", { name: "Import report" }).waitFor();
    expect(await statValue(page, "Imported").textContent()).toBe(String(SUPPORT));
    const ds = await v1<{ example_counts: { total: number; train: number; validation: number } }>(
      `/v1/datasets/${datasetId}`,
    );
    expect(ds.example_counts.total).toBe(SUPPORT);
    expect(ds.example_counts.train).toBeGreaterThanOrEqual(10);
    expect(ds.example_counts.validation).toBeGreaterThan(0);
  });

  it("lists the examples, validates them, and shows an invalid line's error at its path", async () => {
    const { page } = desktop;
    await page.goto(`${gw.url}/console/#/datasets`);
    const row = page.locator(`tr[data-dataset="${datasetId}"]`);
    await row.waitFor();
    expect(await row.locator('td[data-label="Examples"]').textContent()).toBe(String(SUPPORT));
    await screenshot(page, "datasets-list");

    await tab(page, datasetId, "examples");
    await expect.poll(() => page.locator("article.ds-example").count()).toBe(SUPPORT);
    await page.getByRole("button", { name: "Validate examples" }).click();
    const summary = page.getByRole("status", { name: "Validation summary" });
    await summary.waitFor();
    expect(await summary.textContent()).toContain(`${SUPPORT} of ${SUPPORT} example(s) valid`);
    expect(await page.locator('article.ds-example[data-valid="true"]').count()).toBe(SUPPORT);

    const good = {
      messages: [
        { role: "user", content: "Hi" },
        { role: "assistant", content: "Hello!" },
      ],
    };
    const bad = {
      messages: [
        { role: "user", content: "Hi" },
        { role: "assistant", content: 42 },
      ],
    };
    await page
      .getByLabel("Examples (JSONL, one per line)")
      .fill(`${JSON.stringify(good)}\n${JSON.stringify(bad)}`);
    await page.getByRole("button", { name: "Check examples" }).click();
    const line2 = page.getByRole("article", { name: "Line 2" });
    await line2.waitFor();
    expect(await line2.getAttribute("data-valid")).toBe("false");
    expect(await line2.locator(".issue-path").first().textContent()).toBe("messages[1].content");
    expect(await line2.textContent()).toContain("must be a string or a non-empty array of content parts");
    expect(await page.getByRole("article", { name: "Line 1" }).getAttribute("data-valid")).toBe("true");
    await screenshot(page, "datasets-examples");
  });

  it("shows a vision dataset's images with each image's problem, tokens and cost", async () => {
    const { page } = desktop;
    const vision = await v1<{ id: string }>("/v1/datasets", {
      method: "POST",
      body: { name: "product photos", kind: "vision" },
    });
    visionId = vision.id;
    const example = (data: Buffer, question: string) => ({
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: question },
            // The GIF claims to be a PNG: the gateway reads the format from the bytes.
            { type: "image_url", image_url: { url: `data:image/png;base64,${data.toString("base64")}` } },
          ],
        },
        { role: "assistant", content: "A blue square." },
      ],
    });
    await v1(`/v1/datasets/${visionId}/examples`, {
      method: "POST",
      body: { examples: [example(png(32, 24, [40, 120, 220]), "What is this?"), example(GIF, "And this?")] },
    });
    // A captured request with an image: the gateway keeps the image and the row refers to it
    // (`edgegate-image:sha256:…`); the page shows it through a signed `/v1/images/…` URL.
    const photo = png(20, 20, [200, 60, 40]);
    await gatewayClient(gw.url, gw.apiKey).chat.completions.create({
      model: "gpt-4o-mini",
      store: true,
      metadata: { feature: "photos" },
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "Describe this photo." },
            { type: "image_url", image_url: { url: `data:image/png;base64,${photo.toString("base64")}` } },
          ],
        },
      ],
    });
    await vi.waitFor(
      async () => {
        const imported = await v1<{ imported: number }>(`/v1/datasets/${visionId}/import`, {
          method: "POST",
          body: { filter: { metadata: { feature: "photos" } } },
        });
        expect(imported.imported).toBe(1);
      },
      { timeout: 30_000, interval: 250 },
    );
    const stored = await v1<{ data: { example: Json }[] }>(`/v1/datasets/${visionId}/examples`);
    expect(JSON.stringify(stored.data[2]?.example)).toMatch(/edgegate-image:sha256:[0-9a-f]{64}/);
    const report = await v1<{ examples: { estimated_tokens: number }[] }>(
      `/v1/datasets/${visionId}/validate?stored=true`,
      { method: "POST" },
    );

    await tab(page, visionId, "examples");
    await page.getByRole("article", { name: "Example 3" }).waitFor();
    const captured = page.getByRole("article", { name: "Example 3" }).locator("figure img");
    const src = (await captured.getAttribute("src")) ?? "";
    expect(src.startsWith(`${gw.url}/v1/images/`)).toBe(true);
    expect(new URL(src).searchParams.get("sig")).toBeTruthy();
    await expect.poll(() => captured.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBe(20);
    await page.getByRole("button", { name: "Validate examples" }).click();
    await page.getByRole("status", { name: "Validation summary" }).waitFor();
    const bad = page.getByRole("article", { name: "Example 2" });
    await expect.poll(() => bad.getAttribute("data-valid")).toBe("false");
    const badImage = bad.locator('figure[data-path="messages[0].content[1]"]');
    expect(await badImage.textContent()).toContain("is a GIF image; only JPEG, PNG and WEBP are accepted");
    const goodExample = page.getByRole("article", { name: "Example 1" });
    expect(await goodExample.getAttribute("data-valid")).toBe("true");
    expect(await goodExample.textContent()).toContain(`≈${report.examples[0]?.estimated_tokens} tokens`);
    expect(await goodExample.locator("figure .issues").count()).toBe(0);
    // Both thumbnails are drawn from their data URLs (CSP img-src allows data:).
    for (const figure of [goodExample.locator("figure img"), badImage.locator("img")]) {
      await expect
        .poll(() => figure.evaluate((img) => (img as HTMLImageElement).naturalWidth))
        .toBeGreaterThan(0);
    }
    await screenshot(page, "datasets-vision");
  });

  it("exports JSONL and downloads it with one line per example", async () => {
    const { page } = desktop;
    await tab(page, datasetId, "export");
    await page.getByRole("button", { name: "Export JSONL" }).click();
    const link = page.getByRole("link", { name: /^Download / });
    await link.waitFor();
    const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
    const text = await readFile((await download.path()) ?? "", "utf8");
    const lines = text.split("\n").filter((l) => l.trim());
    expect(lines).toHaveLength(SUPPORT);
    expect(JSON.parse(lines[0] ?? "{}").messages).toBeDefined();
    expect(download.suggestedFilename()).toBe(`${datasetId}-all-chat.jsonl`);
    await screenshot(page, "datasets-export");
  });

  it("starts a fine-tuning job, watches it succeed and plots its training loss", async () => {
    const { page } = desktop;
    await tab(page, datasetId, "jobs");
    await page.getByText("No fine-tuning jobs yet").waitFor();
    expect(await page.getByLabel("Base model").inputValue()).toBe(BASE_MODEL);
    await page.getByRole("button", { name: "Start fine-tuning" }).click();
    const done = page.locator('tr[data-status="succeeded"]');
    await done.waitFor({ timeout: 60_000 });
    const jobs = await v1<{ data: { id: string; status: string; fine_tuned_model: string }[] }>(
      `/v1/datasets/${datasetId}/fine_tuning_jobs`,
    );
    expect(jobs.data).toHaveLength(1);
    const job = jobs.data[0];
    expect(job?.status).toBe("succeeded");
    fineTuned = job?.fine_tuned_model ?? "";
    expect(await done.textContent()).toContain(fineTuned);

    const events = await v1<{ data: { type: string }[] }>(`/v1/fine_tuning/jobs/${job?.id}/events?limit=100`);
    const metrics = events.data.filter((e) => e.type === "metrics").length;
    expect(metrics).toBeGreaterThan(0);
    const plot = page.locator(".ds-metrics");
    await expect.poll(() => plot.getAttribute("data-points")).toBe(String(metrics));
    expect(
      await plot.locator(`svg[aria-label="Training loss per step of ${job?.id}"] polyline`).count(),
    ).toBe(2);
    await screenshot(page, "datasets-jobs");
  });

  it("runs an evaluation and shows baseline and candidate side by side with a summary plot", async () => {
    const { page } = desktop;
    await tab(page, datasetId, "evals");
    await page.getByText("No evaluations yet").waitFor();
    failingEval = await runEval(page, "gpt-4o-mini", fineTuned);
    const ev = await v1<{ summary: { pass_rate: number }[]; items: Json[] }>(`/v1/evals/${failingEval}`);
    const items = page.locator(`[data-eval="${failingEval}"] table`).filter({ hasText: "Per item" });
    expect(await items.locator("tbody tr").count()).toBe(ev.items.length);
    expect(await items.locator("th").allTextContents()).toEqual([
      "Reference",
      "Baseline (gpt-4o-mini)",
      `Candidate (${fineTuned})`,
    ]);
    // The baseline answered the captured answers exactly; the fine-tuned model did not.
    expect(ev.summary.map((s) => s.pass_rate)).toEqual([1, 0]);
    const firstRow = items.locator("tbody tr").first();
    expect(await firstRow.locator('td[data-label="Baseline (gpt-4o-mini)"]').textContent()).toContain("pass");
    expect(await firstRow.locator(`td[data-label="Candidate (${fineTuned})"]`).textContent()).toContain(
      "fail",
    );
    const plot = page.getByRole("img", { name: /^Evaluation summary/ });
    expect(await plot.getAttribute("aria-label")).toContain("pass rate 100%");
    expect(await plot.locator(".ds-bar-fill").count()).toBe(6);
    await screenshot(page, "datasets-evals");
  });

  it("sets an alias, edits its canary share, and promotes only after a passing evaluation", async () => {
    const { page } = desktop;
    await tab(page, datasetId, "aliases");
    await page.getByText("No aliases yet").waitFor();
    const form = page.getByRole("form", { name: "Set an alias" });
    await form.getByLabel("Alias").fill("support-bot");
    await form.getByLabel("Stable model").fill("gpt-4o-mini");
    await form.getByLabel("Candidate model").fill(fineTuned);
    await form.getByLabel("Canary share (%)").fill("10");
    await form.getByRole("button", { name: "Save alias" }).click();
    const row = page.locator('tr[data-alias="support-bot"]');
    await row.waitFor();
    expect(await row.textContent()).toContain(fineTuned);

    await page.getByLabel("Canary share of support-bot (%)").fill("25");
    await page.getByRole("button", { name: "Save canary share of support-bot" }).click();
    await expect
      .poll(async () => {
        const list = await admin(`/admin/tenants/${tenantId}/aliases`);
        return (list.body.data as { canary: { percent: number } }[])[0]?.canary.percent;
      })
      .toBe(25);

    // Guarded by the failing evaluation: disabled with the gateway's verdict, and the API refuses too.
    const promote = page.locator('tr[data-alias="support-bot"]').getByRole("button", { name: "Promote" });
    await expect.poll(() => promote.isDisabled()).toBe(true);
    const guard = await page.locator('tr[data-alias="support-bot"] .ds-guard').textContent();
    expect(guard).toContain("pass rate 0 is below the baseline's 1");
    const judged = await admin(`/admin/tenants/${tenantId}/aliases?eval_id=${failingEval}`);
    expect(judged.body.data).toMatchObject([
      { alias: "support-bot", promotion: { eligible: false, code: "candidate_worse", reason: guard } },
    ]);
    const refused = await admin(`/admin/tenants/${tenantId}/aliases/support-bot/promote`, {
      method: "POST",
      body: { eval_id: failingEval },
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error?.code).toBe("candidate_worse");
    await screenshot(page, "datasets-aliases");

    // A passing evaluation: the fine-tuned model against a model that is no better on this data.
    await tab(page, datasetId, "evals");
    passingEval = await runEval(page, "gpt-4.1-nano", fineTuned, failingEval);
    await tab(page, datasetId, "aliases");
    const choice = page.getByLabel("Evaluation guarding support-bot");
    await choice.waitFor();
    expect(await choice.inputValue()).toBe(passingEval);
    await expect.poll(() => promote.isEnabled()).toBe(true);
    await promote.click();
    await page.getByRole("dialog").getByRole("button", { name: "Promote" }).click();
    await expect
      .poll(async () => (await admin(`/admin/tenants/${tenantId}/aliases`)).body.data)
      .toMatchObject([
        { alias: "support-bot", model: fineTuned, canary: null, promoted_eval_id: passingEval },
      ]);
    await page
      .locator('tr[data-alias="support-bot"] td[data-label="Promoted by"]')
      .getByText(passingEval)
      .waitFor();
    expect(desktop.problems()).toEqual([]);
  });

  it("works at phone width on every tab, signed in with a tenant's console key", async () => {
    const created = await admin(`/admin/tenants/${tenantId}/keys`, {
      method: "POST",
      body: { name: "console phone", console: true },
    });
    expect(created.status).toBe(201);
    const phone = await openBrowser({ phone: true });
    try {
      const { page } = phone;
      await signIn(page, gw.url, String(created.body.key));
      await page.goto(`${gw.url}/console/#/datasets`);
      await page.locator(`tr[data-dataset="${datasetId}"]`).waitFor();
      await screenshot(page, "datasets-list-phone");
      const ready: Record<string, string> = {
        examples: "article.ds-example",
        import: "form.ds-filter",
        export: "form.ds-export",
        jobs: 'tr[data-status="succeeded"]',
        evals: "form.ds-run-eval",
        aliases: 'tr[data-alias="support-bot"]',
      };
      for (const [name, selector] of Object.entries(ready)) {
        await tab(page, datasetId, name);
        await page.locator(selector).first().waitFor();
        if (name === "evals") {
          // Signed in elsewhere with another credential: the evaluations come from the API's list.
          await page.getByRole("button", { name: `Show results of ${passingEval}` }).click();
          await page.locator(`[data-eval="${passingEval}"][data-status="completed"]`).waitFor();
        }
        await screenshot(page, `datasets-${name}-phone`);
      }
      await tab(page, visionId, "examples");
      await page.getByRole("button", { name: "Validate examples" }).click();
      await page.getByRole("status", { name: "Validation summary" }).waitFor();
      await screenshot(page, "datasets-vision-phone");
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      expect(phone.problems()).toEqual([]);
    } finally {
      await phone.close();
    }
  });
});

/** Runs an evaluation from the form and waits for it to complete; returns its id. */
async function runEval(page: Page, baseline: string, candidate: string, before?: string): Promise<string> {
  const form = page.getByRole("form", { name: "Run an evaluation" });
  await form.getByLabel("Baseline model").fill(baseline);
  await form.getByLabel("Candidate model").fill(candidate);
  const shown = page.locator(".ds-eval");
  await form.getByRole("button", { name: "Run evaluation" }).click();
  const current = async () => {
    if ((await shown.count()) === 0) return null;
    const id = await shown.getAttribute("data-eval");
    return id === before ? null : `${await shown.getAttribute("data-status")} ${id}`;
  };
  await expect.poll(current, { timeout: 60_000 }).toMatch(/^completed eval_/);
  const id = (await shown.getAttribute("data-eval")) ?? "";
  const ev = await v1<{ models: string[]; status: string }>(`/v1/evals/${id}`);
  expect(ev).toMatchObject({ models: [baseline, candidate], status: "completed" });
  return id;
}

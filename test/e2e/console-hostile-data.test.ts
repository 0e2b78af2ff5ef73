/**
 * What end users control reaches the console as text, never as markup: a prompt, a user id, key,
 * tenant and dataset names, a Realtime transcript and a dataset example (with `javascript:` and
 * foreign image URLs) all carry an HTML payload; every page that shows them is opened in headless
 * Chromium and must hold no element or attribute the payload would have created, run none of it,
 * log no CSP violation, and show the payload's characters as they were sent.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import WebSocket from "ws";
import {
  type ConsoleBrowser,
  defaultTenantId,
  gatewayJson,
  openBrowser,
  type StartedGateway,
  signIn,
  startGateway,
} from "../helpers-node/console-browser";
import { gatewayClient } from "../helpers-node/openai-client";

/** Markup that would run script if any page parsed it as HTML (and CSP did not stop it). */
const PAYLOAD = `x"'><img src=x id=pwn-img onerror="window.__pwned=1"><script id=pwn-script>window.__pwned=2</script><svg id=pwn-svg onload="window.__pwned=3"></svg>`;

let gw: StartedGateway;
let browser: ConsoleBrowser;
let tenantId: string;
let sessionId = "";
let datasetId = "";

async function v1<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(`${gw.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${gw.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** A Realtime session of the end user `PAYLOAD` with one text turn saying `PAYLOAD`. */
async function hostileRealtimeSession(): Promise<string> {
  const ws = new WebSocket(`${gw.url.replace(/^http/, "ws")}/v1/realtime?model=gpt-realtime`, {
    headers: { authorization: `Bearer ${gw.apiKey}`, "x-user-id": PAYLOAD },
  });
  const events: { type: string; session?: { id?: string } }[] = [];
  ws.on("message", (data) => events.push(JSON.parse(String(data))));
  await vi.waitFor(() => expect(events.some((e) => e.type === "session.created")).toBe(true), {
    timeout: 30_000,
    interval: 100,
  });
  const send = (event: object) => ws.send(JSON.stringify(event));
  send({ type: "session.update", session: { type: "realtime", output_modalities: ["text"] } });
  send({
    type: "conversation.item.create",
    item: { type: "message", role: "user", content: [{ type: "input_text", text: PAYLOAD }] },
  });
  send({ type: "response.create" });
  await vi.waitFor(() => expect(events.some((e) => e.type === "response.done")).toBe(true), {
    timeout: 30_000,
    interval: 100,
  });
  ws.close(1000);
  return events.find((e) => e.type === "session.created")?.session?.id ?? "";
}

beforeAll(async () => {
  gw = await startGateway();
  tenantId = await defaultTenantId(gw);
  await gatewayJson(gw, `/admin/tenants/${tenantId}`, {
    method: "PATCH",
    body: { settings: { cache: { mode: "exact" } } },
  });
  await gatewayJson(gw, "/admin/tenants", { method: "POST", body: { name: PAYLOAD } });
  await gatewayJson(gw, `/admin/tenants/${tenantId}/keys`, { method: "POST", body: { name: PAYLOAD } });
  const client = gatewayClient(gw.url, gw.apiKey);
  for (let i = 0; i < 2; i++) {
    await client.chat.completions.create({
      model: "gpt-4o-mini",
      store: true,
      user: PAYLOAD,
      metadata: { feature: PAYLOAD },
      messages: [{ role: "user", content: PAYLOAD }],
    });
  }
  sessionId = await hostileRealtimeSession();
  const dataset = await v1<{ id: string }>("/v1/datasets", { name: PAYLOAD, kind: "vision" });
  datasetId = dataset.id;
  await v1(`/v1/datasets/${datasetId}/examples`, {
    examples: [
      {
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: PAYLOAD },
              { type: "image_url", image_url: { url: `http://127.0.0.1:9/${encodeURIComponent(PAYLOAD)}` } },
            ],
          },
          { role: "assistant", content: PAYLOAD },
        ],
      },
    ],
  });
  browser = await openBrowser();
  await signIn(browser.page, gw.url, gw.adminToken);
  // The tenant named by the payload may come first in the picker: look at the one with the data.
  await browser.page.getByRole("combobox", { name: "Tenant" }).selectOption(tenantId);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await gw?.stop();
});

/** What the payload would have left in the page had it been parsed as markup. */
const injected = (page: Page) =>
  page.evaluate(() => ({
    pwned: (window as unknown as { __pwned?: number }).__pwned ?? null,
    elements: Array.from(
      document.querySelectorAll("#pwn-img, #pwn-script, #pwn-svg, img[src='x']"),
      (el) => el.outerHTML,
    ),
    scripts: Array.from(document.querySelectorAll("script"), (s) => s.getAttribute("src")),
    handlers: Array.from(document.querySelectorAll("*")).flatMap((el) =>
      Array.from(el.attributes)
        .filter((a) => a.name.startsWith("on"))
        .map((a) => `${el.tagName} ${a.name}`),
    ),
    images: Array.from(document.querySelectorAll("img"), (img) => img.getAttribute("src") ?? ""),
    text: document.getElementById("page")?.textContent ?? "",
  }));

describe("console with hostile data", { timeout: 120_000 }, () => {
  const pages: [string, string, RegExp][] = [
    ["overview", "overview", /Overview/],
    ["cache", "cache", /Cache/],
    ["realtime", "realtime list", /Realtime/],
    ["realtime/SESSION", "realtime session", /Session/],
    ["datasets", "datasets list", /Datasets/],
    ["datasets/DATASET?tab=examples", "dataset examples", /.*/],
    ["keys", "keys", /API keys/],
    ["settings", "settings", /Settings/],
  ];
  it.each(pages)("#/%s (%s) shows the payload as text and runs none of it", async (route, _what, heading) => {
    const { page } = browser;
    const hash = route
      .replace("SESSION", encodeURIComponent(sessionId))
      .replace("DATASET", encodeURIComponent(datasetId));
    await page.goto(`${gw.url}/console/#/${hash}`);
    await page.getByRole("heading", { level: 1, name: heading }).first().waitFor({ timeout: 30_000 });
    await page.locator(".state-loading").first().waitFor({ state: "detached", timeout: 30_000 });
    const found = await injected(page);
    expect(found.pwned).toBeNull();
    expect(found.elements).toEqual([]);
    expect(found.scripts).toEqual(["/console/js/app.js"]);
    expect(found.handlers).toEqual([]);
    for (const src of found.images) expect(src).toMatch(/^(data:image\/|https:\/\/|blob:|\/)/);
    // Overview and settings show none of it; the cache page shortens prompts.
    if (route !== "settings" && route !== "overview") expect(found.text).toContain(PAYLOAD.slice(0, 60));
    expect(browser.problems()).toEqual([]);
  });
});

/**
 * The console's overview, cache, realtime, keys and settings pages in headless Chromium against
 * `npm start` (the simulator as upstream). The test makes real traffic with the official SDK and a
 * Realtime WebSocket, then checks that each page shows what the admin API says and that its actions
 * change the gateway's state. Screenshots (desktop and phone) go to test/artifacts/console/.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { CacheEvent, CacheStats } from "../../public/console/js/types";
import {
  type ConsoleBrowser,
  defaultTenantId,
  gatewayJson,
  openBrowser,
  type StartedGateway,
  screenshot,
  signIn,
  startGateway,
  startWeatherTool,
} from "../helpers-node/console-browser";
import { apiError, gatewayClient } from "../helpers-node/openai-client";

const RT_USER = "console-voice-user";

let gateway: StartedGateway;
let tenantId: string;
let weatherTool: { close(): Promise<void> } | undefined;
let sessionId: string;

/** The admin API's shapes, as the console reads them. */
type Stats = CacheStats & { errors: number };

function adminFetch<T>(path: string, init: { method?: string; body?: unknown; credential?: string } = {}) {
  return gatewayJson<T>(gateway, path, init);
}

const tenantPath = (rest = "") => `/admin/tenants/${tenantId}${rest}`;

const chat = (key: string, content: string) =>
  gatewayClient(gateway.url, key)
    .chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content }] })
    .withResponse();

/** Waits (bounded) until `ready()` holds; hooks cannot use `expect.poll`. */
async function waitUntil(
  ready: () => boolean | Promise<boolean>,
  what: string | (() => string),
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${typeof what === "string" ? what : what()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

interface RealtimeClient {
  ws: WebSocket;
  events: { type: string }[];
  sessionId: string;
  send(event: object): void;
}

/** A Realtime session over a raw WebSocket with a tenant key (the simulator is the upstream). */
async function openRealtime(user: string): Promise<RealtimeClient> {
  const ws = new WebSocket(`${gateway.url.replace(/^http/, "ws")}/v1/realtime?model=gpt-realtime`, {
    headers: { authorization: `Bearer ${gateway.apiKey}`, "x-user-id": user },
  });
  const events: { type: string; session?: { id?: string } }[] = [];
  ws.on("message", (data) => events.push(JSON.parse(String(data))));
  let refused = "";
  ws.on("unexpected-response", (_req, res) => {
    refused = `HTTP ${res.statusCode}`;
    res.on("data", (chunk: Buffer) => {
      refused += ` ${chunk.toString()}`;
    });
  });
  ws.on("error", (err) => {
    refused ||= err.message;
  });
  await waitUntil(() => {
    if (refused) throw new Error(`the Realtime upgrade was refused: ${refused}`);
    return events.some((e) => e.type === "session.created");
  }, "session.created");
  const sessionId = events.find((e) => e.type === "session.created")?.session?.id ?? "";
  return { ws, events, sessionId, send: (event) => ws.send(JSON.stringify(event)) };
}

/** One text turn naming the server tool; resolves with the session id once the session is closed. */
async function realtimeTurn(text: string): Promise<string> {
  const rt = await openRealtime(RT_USER);
  rt.send({ type: "session.update", session: { type: "realtime", output_modalities: ["text"] } });
  rt.send({
    type: "conversation.item.create",
    item: { type: "message", role: "user", content: [{ type: "input_text", text }] },
  });
  rt.send({ type: "response.create" });
  // The server tool runs, then the gateway asks the model again: wait for the second response.
  await waitUntil(() => rt.events.filter((e) => e.type === "response.done").length >= 2, "two response.done");
  rt.ws.close(1000);
  return rt.sessionId;
}

beforeAll(async () => {
  gateway = await startGateway();
  tenantId = await defaultTenantId(gateway);
  await adminFetch(tenantPath(), { method: "PATCH", body: { settings: { cache: { mode: "exact" } } } });
  weatherTool = await startWeatherTool(gateway, tenantId);

  // Traffic: two misses, two exact hits, one refused call.
  const first = await chat(gateway.apiKey, "What is the capital of France?");
  expect(first.response.headers.get("x-cache")).toBe("MISS");
  expect((await chat(gateway.apiKey, "Name three primary colours.")).response.headers.get("x-cache")).toBe(
    "MISS",
  );
  for (let i = 0; i < 2; i++) {
    const again = await chat(gateway.apiKey, "What is the capital of France?");
    expect(again.response.headers.get("x-cache")).toBe("HIT");
  }
  const refused = await apiError(
    gatewayClient(gateway.url, gateway.apiKey).chat.completions.create({
      model: "gpt-4o-mini",
      messages: [],
    }),
  );
  expect(refused.status).toBe(400);
  sessionId = await realtimeTurn("Please use get_weather for Paris");
  expect(sessionId).not.toBe("");
  // Counters are flushed in the background: wait until the totals hold every call.
  let last = "";
  await waitUntil(
    async () => {
      const s = await adminFetch<Stats>(tenantPath("/stats"));
      last = JSON.stringify({ misses: s.misses, hits: s.hits, errors: s.errors });
      return s.misses === 2 && s.hits === 2 && s.errors === 1;
    },
    () => `stats with 2 misses, 2 hits and 1 error (last: ${last})`,
  );
}, 180_000);

afterAll(async () => {
  await gateway?.stop();
  await weatherTool?.close();
});

/** Opens a page of the console and waits for its heading. */
async function open(page: Page, route: string, heading: string | RegExp): Promise<void> {
  await page.goto(`${gateway.url}/console/#/${route}`);
  await page.getByRole("heading", { level: 1, name: heading }).waitFor({ timeout: 30_000 });
}

const statValue = (page: Page, label: string) =>
  page.locator(`[data-stat="${label}"] .stat-value`).textContent();

/**
 * Runs `body` in a fresh browser; afterwards nothing may have gone wrong in the page, except the
 * browser's own log line for a refused request the test provoked (`allowStatus`).
 */
async function withBrowser(
  opts: { phone?: boolean; allowStatus?: number },
  body: (browser: ConsoleBrowser) => Promise<void>,
): Promise<void> {
  const browser = await openBrowser(opts);
  try {
    await body(browser);
    const provoked = `Failed to load resource: the server responded with a status of ${opts.allowStatus}`;
    expect(browser.problems().filter((p) => !p.includes(provoked))).toEqual([]);
  } finally {
    await browser.close();
  }
}

describe("console pages", { timeout: 180_000 }, () => {
  it("refuses a key without console access with the gateway's own message", async () => {
    const whoami = await fetch(`${gateway.url}/admin/whoami`, {
      headers: { authorization: `Bearer ${gateway.apiKey}` },
    });
    expect(whoami.status).toBe(403);
    const { error } = (await whoami.json()) as { error: { message: string } };
    const browser = await openBrowser();
    try {
      const { page } = browser;
      await page.goto(`${gateway.url}/console/`);
      await page.getByLabel("Admin token or API key").fill(gateway.apiKey);
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect
        .poll(() => page.locator(".signin [role=alert]").allTextContents())
        .toContain(error.message);
      // The browser logs the refused request itself; nothing else may go wrong.
      expect(browser.problems().filter((p) => !p.includes("403"))).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it("overview: the figures are /stats' and the plots have bars", async () => {
    await withBrowser({}, async ({ page }) => {
      await signIn(page, gateway.url, gateway.adminToken);
      await open(page, "overview", "Overview");
      const stats = await adminFetch<Stats>(tenantPath("/stats"));
      expect(await statValue(page, "Requests")).toBe(stats.requests.toLocaleString("en-US"));
      expect(await statValue(page, "Hit rate")).toBe(`${Math.round(stats.hit_rate * 100)}%`);
      expect(await statValue(page, "Tokens saved")).toBe(
        (stats.tokens_saved.input + stats.tokens_saved.output).toLocaleString("en-US"),
      );
      expect(stats.tokens_saved.input).toBeGreaterThan(0);
      // Two significant digits, however small the saving.
      expect(stats.cost_saved_usd).toBeGreaterThan(0);
      const shown = Number((await statValue(page, "Money saved"))?.replace("$", ""));
      expect(Math.abs(shown - stats.cost_saved_usd) / stats.cost_saved_usd).toBeLessThan(0.1);
      expect(await statValue(page, "Provider cached tokens")).toBe(
        stats.upstream.cached_tokens.toLocaleString("en-US"),
      );
      expect(await statValue(page, "Errors")).toBe(String(stats.errors));
      expect(await statValue(page, "Error rate")).not.toBe("0%");

      const outcomeBars = page.locator('[data-plot="outcomes"] rect.chart-bar');
      expect(await outcomeBars.count()).toBeGreaterThan(0);
      const titles = await outcomeBars.locator("title").allTextContents();
      // Each bar segment's title is "<series> at <time>: <count>"; the bars add up to the totals.
      const total = (series: string) =>
        titles
          .filter((t) => t.startsWith(`${series} at `))
          .reduce((sum, t) => sum + Number(t.split(": ")[1]), 0);
      expect(total("Exact hits")).toBe(stats.hits);
      expect(total("Misses")).toBe(stats.misses);
      expect(await page.locator('[data-plot="errors"] rect.series-e').count()).toBeGreaterThan(0);
      expect(await page.locator('[data-plot="tokens-saved"] rect.chart-bar').count()).toBeGreaterThan(0);
      const hitRate = await page.locator('[data-plot="hit-rate"] rect.chart-bar title').allTextContents();
      expect(hitRate.some((t) => t.startsWith("Exact at "))).toBe(true);
      await screenshot(page, "pages-overview-desktop");

      await page.getByRole("button", { name: "Last hour" }).click();
      await page.getByRole("button", { name: "Last hour", pressed: true }).waitFor();
      expect(await page.locator('[data-plot="outcomes"] rect.chart-bar').count()).toBeGreaterThan(0);
      await page.getByRole("button", { name: "Last 30 days" }).click();
      await page.getByRole("button", { name: "Last 30 days", pressed: true }).waitFor();
      expect(await page.locator('[data-plot="outcomes"] rect.chart-bar').count()).toBeGreaterThan(0);
    });
  });

  it("overview: a tenant without traffic says how to make some", async () => {
    await adminFetch("/admin/tenants", { method: "POST", body: { name: "quiet" } });
    await withBrowser({}, async ({ page }) => {
      await signIn(page, gateway.url, gateway.adminToken);
      await page.getByLabel("Tenant").selectOption({ label: "quiet" });
      await page.getByText("No traffic yet").waitFor();
      expect(await page.locator("pre code").first().textContent()).toContain(
        `${gateway.url}/v1/chat/completions`,
      );
      await screenshot(page, "pages-overview-empty-desktop");
      await open(page, "cache", /^Cache/);
      await page.getByText("No cache events yet").waitFor();
      expect(await page.locator("[data-card=events]").count()).toBe(0);
      await open(page, "realtime", "Realtime sessions");
      await page.getByText("No Realtime sessions yet").waitFor();
      await open(page, "keys", "API keys");
      await page.getByText("No API keys").waitFor();
      await open(page, "overview", "Overview");
      await page.getByLabel("Tenant").selectOption({ label: "default" });
      await page.locator('[data-stat="Requests"]').waitFor();
    });
  });

  it("cache: lists the events with their outcomes, and a purge makes the next request a miss", async () => {
    const listEvents = () => adminFetch<{ data: CacheEvent[] }>(tenantPath("/cache/events"));
    // Events are written in the background, like the counters.
    await expect
      .poll(async () => (await listEvents()).data.map((e) => e.outcome).sort())
      .toEqual(["hit", "hit", "miss", "miss"]);
    const events = await listEvents();
    await withBrowser({}, async ({ page }) => {
      await signIn(page, gateway.url, gateway.adminToken);
      await open(page, "cache", /^Cache/);
      const rows = page.locator("[data-card=events] tbody tr");
      await expect.poll(() => rows.count()).toBe(events.data.length);
      expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-outcome")))).toEqual(
        events.data.map((e) => e.outcome),
      );
      expect(await rows.first().textContent()).toContain(events.data[0]?.preview);
      expect(await page.locator("[data-card=events] .badge", { hasText: "Exact hit" }).count()).toBe(2);
      expect(await page.locator("[data-card=shadow]").textContent()).toContain("shadow");
      await screenshot(page, "pages-cache-desktop");

      // Paging: two at a time, "Load more" asks for the ones before the last shown.
      await open(page, "cache?limit=2", /^Cache/);
      await expect.poll(() => rows.count()).toBe(2);
      await page.getByRole("button", { name: "Load more" }).click();
      await expect.poll(() => rows.count()).toBe(4);
      expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-event")))).toEqual(
        events.data.map((e) => e.id),
      );
      expect(await page.getByRole("button", { name: "Load more" }).isHidden()).toBe(true);

      await page.getByRole("button", { name: "Purge cache" }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Purge" }).click();
      const toast = page.locator(".toast", { hasText: "Cache purged" });
      await toast.waitFor();
      expect(await toast.textContent()).toMatch(/generation \d+/);
    });
    const after = await chat(gateway.apiKey, "What is the capital of France?");
    expect(after.response.headers.get("x-cache")).toBe("MISS");
  });

  it("cache: shadow mode's false-hit rate is /stats', and a semantic hit shows its similarity", async () => {
    const tenant = await adminFetch<{ id: string }>("/admin/tenants", {
      method: "POST",
      body: {
        name: "semantic",
        settings: { cache: { mode: "semantic", semantic: { threshold: 0.9, shadow: true } } },
      },
    });
    const { key } = await adminFetch<{ key: string }>(`/admin/tenants/${tenant.id}/keys`, {
      method: "POST",
      body: { name: "semantic app" },
    });
    expect((await chat(key, "How do I reset my password?")).response.headers.get("x-cache")).toBe("MISS");
    // In shadow mode the would-be semantic hit is only measured: the answer is fresh.
    expect((await chat(key, "how do i reset my password")).response.headers.get("x-cache")).toBe("MISS");
    type ShadowStats = { shadow: { checks: number; false_hits: number; false_hit_rate: number | null } };
    const statsPath = `/admin/tenants/${tenant.id}/stats`;
    await expect.poll(async () => (await adminFetch<ShadowStats>(statsPath)).shadow.checks).toBe(1);
    const { shadow } = await adminFetch<ShadowStats>(statsPath);

    await withBrowser({}, async ({ page }) => {
      await signIn(page, gateway.url, gateway.adminToken);
      await page.getByLabel("Tenant").selectOption({ label: "semantic" });
      await open(page, "cache", /^Cache/);
      const rate = shadow.false_hit_rate ?? 0;
      expect(await statValue(page, "False-hit rate")).toBe(
        `${(rate * 100).toFixed(rate < 0.1 && rate > 0 ? 1 : 0)}%`,
      );
      const card = page.locator("[data-card=shadow]");
      expect(await card.textContent()).toContain(`${shadow.false_hits} of 1 check`);
      expect(await card.textContent()).toContain("Shadow mode is on for this tenant.");
      const shadowed = page.locator("[data-card=events] tbody tr").first();
      await expect.poll(() => shadowed.textContent()).toMatch(/(0\.\d{3}|1\.000) \(shadow\)/);
      expect(await shadowed.textContent()).toContain(
        shadow.false_hits ? "shadow: false hit" : "shadow: would hit",
      );
      await screenshot(page, "pages-cache-shadow-desktop");

      // Shadow off: the same kind of question is now answered from the cache.
      await adminFetch(`/admin/tenants/${tenant.id}`, {
        method: "PATCH",
        body: { settings: { cache: { semantic: { shadow: false } } } },
      });
      expect((await chat(key, "How do I reset my password")).response.headers.get("x-cache")).toBe(
        "SEMANTIC_HIT",
      );
      await expect
        .poll(async () => {
          await page.reload();
          await page.getByRole("heading", { level: 1, name: /^Cache/ }).waitFor();
          return page.locator("[data-card=events] tbody tr").first().getAttribute("data-outcome");
        })
        .toBe("semantic_hit");
      const hit = page.locator("[data-card=events] tbody tr").first();
      expect(await hit.textContent()).toContain("Semantic hit");
      expect(await hit.textContent()).toMatch(/0\.9\d{2}|1\.000/);
      expect(await page.locator("[data-card=shadow]").textContent()).toContain("Shadow mode is off");
    });
  });

  it("realtime: the session made here is listed and shows its transcript with the server tool call", async () => {
    await withBrowser({ allowStatus: 404 }, async ({ page }) => {
      await signIn(page, gateway.url, gateway.adminToken);
      await open(page, "realtime", "Realtime sessions");
      const row = page.locator(`tr[data-session="${sessionId}"]`);
      await row.waitFor();
      expect(await row.textContent()).toContain(RT_USER);
      await screenshot(page, "pages-realtime-desktop");
      await row.getByRole("link", { name: sessionId }).click();
      await page.getByRole("heading", { level: 1, name: /Session/ }).waitFor();
      const detail = await adminFetch<{
        items: { type: string; role: string | null; text: string | null; name: string | null }[];
        usage: { responses: number };
      }>(tenantPath(`/realtime/sessions/${sessionId}`));
      const transcript = page.locator("[data-card=transcript]");
      const user = transcript.locator('[data-role="user"]').first();
      expect(await user.textContent()).toContain("Please use get_weather for Paris");
      const tool = transcript.locator('[data-tool="get_weather"]');
      await tool.waitFor();
      expect(await tool.textContent()).toContain("sunny");
      expect(await tool.textContent()).toContain("server tool");
      const assistantText = detail.items.find((i) => i.role === "assistant" && i.text)?.text ?? "";
      expect(assistantText).not.toBe("");
      expect(await transcript.locator('[data-role="assistant"]').allTextContents()).toContainEqual(
        expect.stringContaining(assistantText),
      );
      // In order: the user's words, then the call, then the answer that used its output.
      const order = await transcript
        .locator("li")
        .evaluateAll((lis) =>
          lis.map((li) => li.getAttribute("data-role") ?? (li.querySelector("[data-tool]") ? "tool" : "?")),
        );
      expect(order.indexOf("user")).toBeLessThan(order.indexOf("tool"));
      expect(order.lastIndexOf("assistant")).toBeGreaterThan(order.indexOf("tool"));
      expect(await statValue(page, "Responses")).toBe(String(detail.usage.responses));
      await screenshot(page, "pages-realtime-session-desktop");

      await page.goto(`${gateway.url}/console/#/realtime/sess_unknown`);
      await page.getByText("No session 'sess_unknown' in this tenant").waitFor();
    });
  });

  it("realtime: a live session is listed as live and moves to recent when it ends, without a reload", async () => {
    const rt = await openRealtime("live-user");
    try {
      // Sessions are recorded in batches: wait until the API lists this one as live.
      await expect
        .poll(
          async () =>
            (
              await adminFetch<{ data: { id: string; status: string }[] }>(
                `/admin/tenants/${tenantId}/realtime/sessions?user=live-user`,
              )
            ).data.find((s) => s.id === rt.sessionId)?.status,
          { timeout: 30_000 },
        )
        .toBe("active");
      await withBrowser({}, async ({ page }) => {
        await signIn(page, gateway.url, gateway.adminToken);
        await open(page, "realtime", "Realtime sessions");
        const live = page.locator(`[data-card=live] tr[data-session="${rt.sessionId}"]`);
        await live.waitFor();
        expect(await live.textContent()).toContain("live");
        await screenshot(page, "pages-realtime-live-desktop");
        rt.ws.close(1000);
        // The list asks again every 5 s while a session is live.
        await page
          .locator(`[data-card=recent] tr[data-session="${rt.sessionId}"]`)
          .waitFor({ timeout: 30_000 });
        expect(await page.locator("[data-card=live] tbody tr").count()).toBe(0);

        // Per user: the filter keeps only that user's sessions.
        await page.getByLabel("Filter by user").fill("live-user");
        await page.getByRole("button", { name: "Filter" }).click();
        await page.getByText("Sessions of user 'live-user'").waitFor();
        const rows = page.locator("tr[data-session]");
        await expect.poll(() => rows.count()).toBe(1);
        expect(await rows.first().getAttribute("data-session")).toBe(rt.sessionId);
      });
    } finally {
      rt.ws.terminate();
    }
  });

  it("keys: a new key's secret is shown once and works; revoking it gets 401", async () => {
    await withBrowser({}, async ({ page }) => {
      await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
      await signIn(page, gateway.url, gateway.adminToken);
      await open(page, "keys", "API keys");
      await page.getByLabel("Key name").fill("console-made");
      // Scopes: everything but fine-tuning.
      await page.getByRole("checkbox", { name: "fine_tuning" }).uncheck();
      await page.getByRole("button", { name: "Create key" }).click();
      const secret = page.locator("[data-secret]");
      await secret.waitFor();
      const key = (await secret.textContent()) ?? "";
      expect(key).toMatch(/^egk_/);
      expect(await page.getByRole("region", { name: "New API key" }).textContent()).toContain(
        "won't be shown again",
      );
      await page.getByRole("button", { name: "Copy key" }).click();
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);
      const made = await chat(key, "hello from a console-made key");
      expect(made.response.status).toBe(200);
      const row = page.locator('tr[data-key-name="console-made"]');
      await row.waitFor();
      expect(await row.textContent()).toContain("API only");
      const scopes = (await row.locator("[data-scopes]").getAttribute("data-scopes")) ?? "";
      expect(scopes.split(" ")).toEqual([
        "inference",
        "user_tokens",
        "completions.read",
        "completions.write",
        "datasets",
        "evals",
      ]);
      expect(await row.textContent()).toContain("inference, user_tokens");
      await screenshot(page, "pages-keys-desktop");

      // Shown once: a fresh visit lists the key by its prefix only.
      await page.reload();
      await page.locator('tr[data-key-name="console-made"]').waitFor();
      expect(await page.locator("[data-secret]").count()).toBe(0);
      expect(await page.content()).not.toContain(key);

      await page.getByRole("button", { name: "Revoke console-made" }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Revoke" }).click();
      await page.locator('tr[data-key-name="console-made"]', { hasText: "revoked" }).waitFor();
      const keys = await adminFetch<{ data: { name: string; revoked_at: number | null }[] }>(
        tenantPath("/keys"),
      );
      expect(keys.data.find((k) => k.name === "console-made")?.revoked_at).not.toBeNull();
      const refused = await apiError(chat(key, "after revocation"));
      expect(refused.status).toBe(401);
    });
  });

  it("keys: a console key signs in, and revoking that same key signs out", async () => {
    const created = await adminFetch<{ id: string; key: string; console: boolean }>(tenantPath("/keys"), {
      method: "POST",
      body: { name: "console-session", console: true },
    });
    expect(created.console).toBe(true);
    await withBrowser({}, async ({ page }) => {
      await signIn(page, gateway.url, created.key);
      expect(await page.locator(".tenant-name").textContent()).toBe("default");
      // Every page of the tenant works with the key's own access.
      await open(page, "overview", "Overview");
      await page.locator('[data-plot="outcomes"] rect.chart-bar').first().waitFor();
      await open(page, "cache", /^Cache/);
      await page.locator("[data-card=events] tbody tr").first().waitFor();
      await open(page, "realtime", "Realtime sessions");
      await page.locator(`tr[data-session="${sessionId}"]`).waitFor();
      await open(page, "settings", "Settings");
      expect(await page.getByLabel("Cache mode").inputValue()).toBe("exact");
      expect(await page.locator(".state-error").count()).toBe(0);
      // The operator's limits are read-only for a console key (the API refuses them too); its own settings are not.
      expect(await page.getByLabel("Requests per minute per key").isDisabled()).toBe(true);
      expect(await page.getByLabel("Allow private image hosts").isDisabled()).toBe(true);
      expect(await page.getByLabel("Cache mode").isDisabled()).toBe(false);
      await open(page, "keys", "API keys");
      const row = page.locator('tr[data-key-name="console-session"]');
      expect(await row.textContent()).toContain("this session");
      expect(await row.textContent()).toContain("console access");
      await row.getByRole("button", { name: "Revoke console-session" }).click();
      expect(await page.getByRole("dialog").textContent()).toContain("signed out");
      await page.getByRole("dialog").getByRole("button", { name: "Revoke" }).click();
      await page.getByLabel("Admin token or API key").waitFor();
      expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    });
    const whoami = await fetch(`${gateway.url}/admin/whoami`, {
      headers: { authorization: `Bearer ${created.key}` },
    });
    expect(whoami.status).toBe(401);
  });

  it("settings: an invalid value is shown beside its field; a valid change is saved", async () => {
    await withBrowser({ allowStatus: 400 }, async ({ page }) => {
      await signIn(page, gateway.url, gateway.adminToken);
      await open(page, "settings", "Settings");
      const ttl = page.getByLabel("Cache TTL (seconds)");
      await ttl.fill("0");
      await page.getByRole("button", { name: "Save settings" }).click();
      const error = page.locator('[data-error-for="settings.cache.ttl_seconds"]');
      await expect.poll(() => error.textContent()).toContain("settings.cache.ttl_seconds");
      expect(await ttl.getAttribute("aria-invalid")).toBe("true");
      await screenshot(page, "pages-settings-error-desktop");

      // Another section: an empty list of voices is refused, beside the voices field.
      await ttl.fill("120");
      await page.getByLabel("Allowed voices").fill(",");
      await page.getByRole("button", { name: "Save settings" }).click();
      await expect
        .poll(() => page.locator('[data-error-for="settings.realtime.allowed_voices"]').textContent())
        .toContain("settings.realtime.allowed_voices");
      expect(await error.textContent()).toBe("");

      await page.getByLabel("Semantic shadow mode").check();
      await page.getByLabel("Allowed voices").fill("marin, cedar");
      await page.getByLabel("Keep captures (days)").fill("30");
      await page.getByRole("button", { name: "Save settings" }).click();
      await page.locator(".toast", { hasText: "Settings saved" }).waitFor();
      const tenant = await adminFetch<{ settings: Record<string, Record<string, unknown>> }>(tenantPath());
      expect(tenant.settings.cache).toMatchObject({
        mode: "exact",
        ttl_seconds: 120,
        semantic: { shadow: true },
      });
      expect(tenant.settings.realtime).toMatchObject({ allowed_voices: ["marin", "cedar"] });
      expect(tenant.settings.distillation).toMatchObject({ retention_days: 30 });

      // The advanced editor: a bad value there is named under the editor.
      await page.getByRole("heading", { level: 1, name: "Settings" }).waitFor();
      const editor = page.getByLabel("Settings as JSON");
      await expect.poll(async () => JSON.parse(await editor.inputValue()).cache?.ttl_seconds).toBe(120);
      const edited = JSON.parse(await editor.inputValue()) as Record<string, Record<string, unknown>>;
      edited.realtime = { ...edited.realtime, replay_buffer_bytes: 10 };
      await editor.fill(JSON.stringify(edited, null, 2));
      await page.getByRole("button", { name: "Save JSON" }).click();
      await expect
        .poll(() => page.locator('[data-error-for="settings-json"]').textContent())
        .toContain("settings.realtime.replay_buffer_bytes");
      await screenshot(page, "pages-settings-desktop");
    });
  });

  it("every page works at phone width", async () => {
    await withBrowser({ phone: true }, async ({ page }) => {
      await signIn(page, gateway.url, gateway.adminToken);
      for (const [route, heading, name] of [
        ["overview", "Overview", "overview"],
        ["cache", /^Cache/, "cache"],
        ["realtime", "Realtime sessions", "realtime"],
        [`realtime/${sessionId}`, /Session/, "realtime-session"],
        ["keys", "API keys", "keys"],
        ["settings", "Settings", "settings"],
      ] as const) {
        await open(page, route, heading);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow, `${route} is wider than the phone`).toBeLessThanOrEqual(0);
        await screenshot(page, `pages-${name}-phone`);
      }
    });
  });
});

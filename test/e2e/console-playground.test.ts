/**
 * The voice playground in headless Chromium against `npm start`: Chromium's fake microphone plays
 * a spoken question (speech, then silence so server VAD ends the turn), the page streams
 * it as PCM16 through the gateway's Realtime relay with an end-user token, the tenant's server tool
 * runs on a local tool server, and the answer is played back. A refused connection shows the
 * gateway's own error message.
 */
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import {
  defaultTenantId,
  gatewayJson,
  openBrowser,
  type StartedGateway,
  screenshot,
  signIn,
  startGateway,
  startWeatherTool,
  WEATHER_OUTPUT,
} from "../helpers-node/console-browser";

/**
 * "What is the weather in Paris" as Chromium's fake microphone plays it: RIFF WAV, PCM 16-bit mono at
 * 22050 Hz. Made once with `espeak-ng -w raw.wav "What is the weather in Paris"` (eSpeak NG 1.51,
 * default voice), its samples scaled so the peak is 0.8 of full scale, with 0.5 s of silence before and
 * 4 s after (the trailing silence is what lets server VAD end the turn).
 */
const WAV_PATH = fileURLToPath(new URL("../fixtures/speech-weather-paris.wav", import.meta.url));
const USER = "console-playground";

let gateway: StartedGateway;
let tenantId: string;
let weatherTool: { close(): Promise<void> } | undefined;
const toolCalls: Record<string, unknown>[] = [];
/** While set, the tool server holds its answers until the test calls `releaseTool`. */
let toolGate: Promise<void> | null = null;
let releaseTool: () => void = () => undefined;

function holdToolAnswers(): void {
  toolGate = new Promise<void>((resolve) => {
    releaseTool = () => {
      toolGate = null;
      resolve();
    };
  });
}

function adminFetch<T>(path: string, init: { method?: string; body?: unknown; credential?: string } = {}) {
  return gatewayJson<T>(gateway, path, init);
}

/** What the gateway answers a browser-style WebSocket upgrade that it refuses (status and message). */
function refusal(url: string, token: string): Promise<{ status: number; message: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, ["realtime", `openai-insecure-api-key.${token}`]);
    ws.on("open", () => reject(new Error("the gateway accepted the connection")));
    ws.on("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on("end", () => {
        const parsed = JSON.parse(body) as { error: { message: string } };
        resolve({ status: res.statusCode ?? 0, message: parsed.error.message });
      });
    });
    ws.on("error", () => undefined);
  });
}

beforeAll(async () => {
  gateway = await startGateway();
  tenantId = await defaultTenantId(gateway);
  weatherTool = await startWeatherTool(gateway, tenantId, async (call) => {
    toolCalls.push(call);
    await toolGate;
  });
}, 180_000);

afterAll(async () => {
  releaseTool();
  await gateway?.stop();
  await weatherTool?.close();
});

interface SessionDetail {
  id: string;
  user: string;
  status: string;
  usage: { responses: number; input_tokens: number; output_tokens: number; input_audio_seconds: number };
  items: {
    type: string;
    role: string | null;
    text: string | null;
    name: string | null;
    call_id: string | null;
    output: string | null;
  }[];
}

describe("voice playground", { timeout: 180_000 }, () => {
  it("completes a spoken turn through the relay: transcripts, played audio, the server tool, the session's usage", async () => {
    // %noloop: the fake microphone plays the file once, so there is exactly one spoken turn.
    const browser = await openBrowser({ fakeAudio: `${WAV_PATH}%noloop` });
    const { page } = browser;
    try {
      await signIn(page, gateway.url, gateway.adminToken);
      await page.goto(`${gateway.url}/console/#/playground`);
      await page.getByRole("button", { name: "Connect" }).waitFor();
      // The simulator's transcript of speech names no tool; "required" makes the model call it.
      await page.getByLabel("Tool choice").selectOption("required");
      holdToolAnswers();
      // The page acknowledges what it has read (edgegate.ack), so the gateway can tell a stalled tab.
      const acks: string[] = [];
      page.on("websocket", (ws) =>
        ws.on("framesent", ({ payload }) => {
          const text = String(payload);
          if (text.startsWith('{"type":"edgegate.ack"')) acks.push(text);
        }),
      );
      await page.getByRole("button", { name: "Connect" }).click();
      await expect
        .poll(() => page.getByRole("status").filter({ hasText: "Listening" }).count(), { timeout: 30_000 })
        .toBe(1);

      const transcript = page.getByRole("log", { name: "Transcript" });
      const userLine = transcript.locator('[data-speaker="user"][data-final="true"]');
      await userLine.first().waitFor({ timeout: 60_000 });
      expect(await userLine.first().textContent()).toMatch(/simulated speech \d+\.\d seconds/);
      // The server tool is hidden from the socket as a function call but shows while it runs (the
      // gateway's edgegate.tool_call events; the test's tool server holds its answer until then).
      const running = page
        .getByRole("list", { name: "Server tool calls" })
        .locator('[data-status="running"]');
      await running.first().waitFor({ timeout: 60_000 });
      expect(await running.first().textContent()).toContain("get_weather");
      releaseTool();
      const answer = transcript.locator('[data-speaker="assistant"][data-final="true"]');
      await answer.first().waitFor({ timeout: 60_000 });
      const answerText = (await answer.first().locator(".pg-text").textContent()) ?? "";
      expect(answerText).toContain("The get_weather result is");
      expect(answerText).toContain("sunny");

      // The answer's audio went through the player worklet.
      const played = page.locator("[data-played-samples]");
      await expect
        .poll(async () => Number(await played.getAttribute("data-played-samples")), { timeout: 30_000 })
        .toBeGreaterThan(2400);

      // Then with its output.
      const tool = page.getByRole("list", { name: "Server tool calls" }).locator('[data-status="completed"]');
      await tool.first().waitFor({ timeout: 30_000 });
      expect(await tool.first().textContent()).toContain("get_weather");
      expect(await tool.first().textContent()).toContain(JSON.stringify(WEATHER_OUTPUT));
      expect(toolCalls).toHaveLength(1);
      expect(toolCalls[0]).toMatchObject({ tenant: tenantId, user: USER, name: "get_weather" });

      const sessionId = (await page.locator("[data-session-id]").getAttribute("data-session-id")) ?? "";
      expect(sessionId).not.toBe("");
      expect(toolCalls[0]?.session_id).toBe(sessionId);
      await screenshot(page, "playground-desktop");

      // Still live after the turn (a dropped socket would show its close code here), every ack taken.
      expect(await page.locator(".pg-status").textContent()).toContain("Listening");
      expect(acks.length).toBeGreaterThan(0);
      expect(await page.locator(".pg-error").textContent()).toBe("");
      await page.getByRole("button", { name: "Disconnect" }).click();
      await page.getByRole("status").filter({ hasText: "Disconnected (close 1000" }).waitFor();

      // The gateway recorded the session with its usage, transcript and the tool call.
      const readRecord = () =>
        adminFetch<SessionDetail>(`/admin/tenants/${tenantId}/realtime/sessions/${sessionId}`);
      await expect
        .poll(async () => (await readRecord()).status, { timeout: 30_000, interval: 500 })
        .toBe("ended");
      const record = await readRecord();
      expect(record.user).toBe(USER);
      expect(record.usage.responses).toBeGreaterThanOrEqual(2);
      expect(record.usage.input_tokens + record.usage.output_tokens).toBeGreaterThan(0);
      expect(record.usage.input_audio_seconds).toBeGreaterThan(1);
      const call = record.items.find((i) => i.type === "function_call");
      expect(call?.name).toBe("get_weather");
      const output = record.items.find(
        (i) => i.type === "function_call_output" && i.call_id === call?.call_id,
      );
      expect(output?.output).toBe(JSON.stringify(WEATHER_OUTPUT));
      const assistant = record.items.filter((i) => i.role === "assistant").map((i) => i.text);
      expect(assistant).toContain(answerText);
      // The page's usage line is the same record.
      await expect
        .poll(() => page.locator("[data-session-id]").getAttribute("data-responses"), { timeout: 10_000 })
        .toBe(String(record.usage.responses));
      expect(browser.problems()).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it("push to talk commits what was held, a typed message runs the server tool, talking over an answer cuts it", async () => {
    const browser = await openBrowser({ fakeAudio: WAV_PATH });
    const { page } = browser;
    try {
      await signIn(page, gateway.url, gateway.adminToken);
      await page.goto(`${gateway.url}/console/#/playground`);
      await page.getByLabel("Turn detection").selectOption("push_to_talk");
      await page.getByRole("button", { name: "Connect" }).click();
      await page.getByRole("status").filter({ hasText: "hold the talk button" }).waitFor({ timeout: 30_000 });

      // Hold the button for at least a second of audio, then let go: commit + response.create.
      const meter = page.getByRole("meter", { name: "Microphone level" });
      const sent = async () => Number(await meter.getAttribute("data-sent-samples"));
      expect(await sent()).toBe(0);
      await page.getByRole("button", { name: "Hold to talk" }).hover();
      await page.mouse.down();
      await expect.poll(sent, { timeout: 10_000 }).toBeGreaterThanOrEqual(24_000);
      await page.mouse.up();
      const heldFirst = await sent();
      const transcript = page.getByRole("log", { name: "Transcript" });
      const spoken = transcript.locator('[data-speaker="user"][data-final="true"]').first();
      await spoken.waitFor({ timeout: 30_000 });
      // The simulator's transcript names the duration it received: all that was held, nothing before.
      const seconds = Number((await spoken.textContent())?.match(/simulated speech (\d+\.\d) seconds/)?.[1]);
      expect(seconds).toBeCloseTo(heldFirst / 24_000, 0);
      await transcript
        .locator('[data-speaker="assistant"][data-final="true"]')
        .first()
        .waitFor({ timeout: 30_000 });
      expect(await sent()).toBe(heldFirst);

      await page.getByRole("textbox", { name: "Message" }).fill("please get weather for Paris");
      await page.getByRole("button", { name: "Send" }).click();
      await transcript.getByText("please get weather for Paris").waitFor();
      await transcript
        .locator('[data-speaker="assistant"][data-final="true"]')
        .filter({ hasText: "The get_weather result is city Paris" })
        .waitFor({ timeout: 30_000 });
      const tool = page.getByRole("list", { name: "Server tool calls" }).locator('[data-status="completed"]');
      await tool.first().waitFor({ timeout: 30_000 });
      expect(await tool.first().textContent()).toContain('{"city":"Paris"}');

      // Barge-in: talking over a long answer stops its playback and truncates it where it was heard.
      const player = page.locator("[data-played-samples]");
      const played = async () => Number(await player.getAttribute("data-played-samples"));
      const queued = async () => Number(await player.getAttribute("data-queued-samples"));
      const words = Array.from({ length: 60 }, (_, i) => `word${i}`);
      const answerSamples = (words.length + 2) * 60 * 24; // "You said: …", 60 ms of audio per word
      await expect.poll(queued, { timeout: 10_000 }).toBe(0);
      const before = await played();
      await page.getByRole("textbox", { name: "Message" }).fill(words.join(" "));
      await page.getByRole("button", { name: "Send" }).click();
      await expect.poll(played, { timeout: 10_000 }).toBeGreaterThan(before + 12_000);
      await page.getByRole("button", { name: "Hold to talk" }).hover();
      await page.mouse.down();
      const interrupted = transcript
        .locator('[data-speaker="assistant"]')
        .last()
        .locator(".pg-note")
        .filter({ hasText: "heard" });
      await interrupted.waitFor({ timeout: 10_000 });
      const heardMs = 1000 * Number((await interrupted.textContent())?.match(/(\d+\.\d) s heard/)?.[1]);
      expect(heardMs).toBeGreaterThanOrEqual(400);
      expect(heardMs * 24).toBeLessThan(answerSamples - 24_000);
      // The rest of the answer (seconds of it) is dropped from the player, not left to play out.
      await expect.poll(queued, { timeout: 1000, interval: 50 }).toBe(0);
      expect((await played()) - before).toBeLessThan(answerSamples - 24_000);
      const held = await sent();
      await expect.poll(sent, { timeout: 10_000 }).toBeGreaterThan(held + 4800);
      await page.mouse.up();
      await page.getByRole("button", { name: "Disconnect" }).click();
      await page.getByRole("status").filter({ hasText: "Disconnected (close 1000" }).waitFor();
      expect(browser.problems()).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it("shows the gateway's error when it refuses the connection (model not allowed by the tenant's policy)", async () => {
    await adminFetch(`/admin/tenants/${tenantId}`, {
      method: "PATCH",
      body: {
        settings: { realtime: { allowed_models: ["gpt-realtime"], allowed_voices: ["cedar", "marin"] } },
      },
    });
    const browser = await openBrowser({ fakeAudio: `${WAV_PATH}%noloop`, phone: true });
    const { page } = browser;
    try {
      await signIn(page, gateway.url, gateway.adminToken);
      await page.goto(`${gateway.url}/console/#/playground`);
      // The pickers follow the tenant's policy.
      await expect
        .poll(() => page.getByLabel("Voice").locator("option").allTextContents())
        .toEqual(["cedar", "marin"]);
      await expect.poll(() => page.getByLabel("Model").inputValue()).toBe("gpt-realtime");

      await page.getByLabel("Model").fill("gpt-realtime-mini");
      await page.getByRole("button", { name: "Connect" }).click();
      const alert = page.locator(".pg-error");
      await alert.filter({ hasText: "not allowed" }).waitFor({ timeout: 30_000 });

      // Exactly what the gateway answers the upgrade.
      const { token } = await fetch(`${gateway.url}/v1/auth/user_tokens`, {
        method: "POST",
        headers: { authorization: `Bearer ${gateway.apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ user: USER }),
      }).then((r) => r.json() as Promise<{ token: string }>);
      const refused = await refusal(
        `${gateway.url.replace(/^http/, "ws")}/v1/realtime?model=gpt-realtime-mini`,
        token,
      );
      expect(refused.status).toBe(403);
      expect(await alert.textContent()).toBe(`${refused.message} (model_not_allowed)`);
      await page.getByRole("status").filter({ hasText: "refused the connection" }).waitFor();
      await expect.poll(() => page.getByRole("button", { name: "Connect" }).isEnabled()).toBe(true);
      await screenshot(page, "playground-phone");

      // The browser itself logs the failed handshake and the 403 of the diagnosis; nothing else.
      const unexpected = browser
        .problems()
        .filter((p) => !/WebSocket connection to .* failed|status of 403/.test(p));
      expect(unexpected).toEqual([]);
    } finally {
      await browser.close();
      await adminFetch(`/admin/tenants/${tenantId}`, {
        method: "PATCH",
        body: { settings: { realtime: null } },
      });
    }
  });
});

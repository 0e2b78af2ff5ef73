/**
 * The console as people open it: `npm start` (tools/start.ts in a child process, its own state and
 * secrets in a temporary folder) and headless Chromium (./chromium.ts) driven by playwright-core.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { freePort } from "../../tools/launch";
import { PROJECT_ROOT } from "../../tools/launch/wrangler-env";
import { type RunningProcess, runProcess } from "./child-process";
import { chromiumBinary } from "./chromium";

const TSX_CLI = join(PROJECT_ROOT, "node_modules", "tsx", "dist", "cli.mjs");
export const ARTIFACTS = join(PROJECT_ROOT, "test", "artifacts", "console");

export interface StartedGateway {
  url: string;
  /** API key of the `default` tenant that `npm start` prints. */
  apiKey: string;
  adminToken: string;
  process: RunningProcess;
  stop(): Promise<void>;
}

/** Runs `npm start` (its script, `tsx tools/start.ts`) on a free port with fresh local state. */
export async function startGateway(extraEnv: Record<string, string> = {}): Promise<StartedGateway> {
  // The free port is only free when asked: a Worker another test starts meanwhile may take it first.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(extraEnv);
    } catch (err) {
      if (attempt === 3 || !String(err).includes("Address already in use")) throw err;
    }
  }
}

async function startOnce(extraEnv: Record<string, string>): Promise<StartedGateway> {
  const dir = await mkdtemp(join(tmpdir(), "edgegate-console-"));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    WRANGLER_LOG: "warn",
    XDG_CONFIG_HOME: join(dir, "xdg"),
    EDGEGATE_PERSIST_DIR: join(dir, "state"),
    EDGEGATE_LOCAL_CONFIG: join(dir, "local.json"),
    // `registerWeatherTool` serves the tool on loopback: the operator allows it explicitly.
    OUTBOUND_ALLOW_PRIVATE_HOSTS: "127.0.0.1",
    ...extraEnv,
  };
  for (const name of ["OPENAI_BASE_URL", "OPENAI_API_KEY", "ADMIN_TOKEN", "TOKEN_SECRET"]) {
    if (!(name in extraEnv)) delete env[name];
  }
  const child = runProcess(process.execPath, [TSX_CLI, "tools/start.ts"], { cwd: PROJECT_ROOT, env });
  try {
    const [, url = ""] = await child.waitFor(/running at (https?:\/\/\S+)/, 90_000);
    const [, apiKey = ""] = await child.waitFor(/API key\s+(egk_\S+)/, 10_000);
    const [, adminToken = ""] = await child.waitFor(/Admin token\s+(\S+)/, 10_000);
    return {
      url,
      apiKey,
      adminToken,
      process: child,
      async stop() {
        await child.stop("SIGINT", 15_000).catch(() => child.stop("SIGKILL", 5_000));
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await child.stop("SIGKILL", 5_000);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

export interface ConsoleBrowser {
  context: BrowserContext;
  page: Page;
  /** Console messages of level error, page errors and failed requests seen so far (CSP violations included). */
  problems(): string[];
  close(): Promise<void>;
}

/**
 * Headless Chromium with a fresh profile. `fakeAudio` is a WAV file played as the microphone
 * (Chromium's fake capture device); permission prompts are accepted.
 */
export async function openBrowser(
  opts: { fakeAudio?: string; phone?: boolean } = {},
): Promise<ConsoleBrowser> {
  const profile = await mkdtemp(join(tmpdir(), "edgegate-chromium-"));
  const args = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
  ];
  if (opts.fakeAudio) {
    args.push(
      "--use-fake-device-for-media-stream",
      "--use-fake-ui-for-media-stream",
      `--use-file-for-fake-audio-capture=${opts.fakeAudio}`,
    );
  }
  const binary = await chromiumBinary();
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: binary.executablePath,
    env: { ...process.env, ...binary.env },
    headless: true,
    args,
    viewport: opts.phone ? { width: 390, height: 844 } : { width: 1280, height: 900 },
    deviceScaleFactor: 1,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const seen: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") seen.push(`console: ${msg.text()}`);
  });
  page.on("pageerror", (err) => seen.push(`pageerror: ${err.message}`));
  return {
    context,
    page,
    problems: () => [...seen],
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Opens the console and signs in with `credential` (the admin token or a console key). */
export async function signIn(page: Page, baseUrl: string, credential: string): Promise<void> {
  await page.goto(`${baseUrl}/console/`);
  await page.getByLabel("Admin token or API key").fill(credential);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("navigation", { name: "Console" }).waitFor();
}

/** Saves a full-page screenshot to test/artifacts/console/<name>.png for reviewers. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** A JSON call to the gateway with the admin token (or `credential`); throws with the body on an error status. */
export async function gatewayJson<T>(
  gateway: StartedGateway,
  path: string,
  init: { method?: string; body?: unknown; credential?: string } = {},
): Promise<T> {
  const res = await fetch(`${gateway.url}${path}`, {
    method: init.method ?? "GET",
    headers: {
      authorization: `Bearer ${init.credential ?? gateway.adminToken}`,
      "content-type": "application/json",
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? "GET"} ${path}: HTTP ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

/** The id of the tenant `npm start` bootstraps (named `default`). */
export async function defaultTenantId(gateway: StartedGateway): Promise<string> {
  const tenants = await gatewayJson<{ data: { id: string; name: string }[] }>(gateway, "/admin/tenants");
  const id = tenants.data.find((t) => t.name === "default")?.id;
  if (!id) throw new Error("npm start bootstrapped no tenant named 'default'");
  return id;
}

/** What the test weather tool answers. */
export const WEATHER_OUTPUT = { city: "Paris", conditions: "sunny", temperature_c: 18 };

/**
 * A server-side tool `get_weather` on a local HTTP server, registered for `tenantId`. Each call's
 * JSON body goes to `onCall`, and the call is answered with `WEATHER_OUTPUT` once `onCall` resolves
 * (a test can hold answers that way).
 */
export async function startWeatherTool(
  gateway: StartedGateway,
  tenantId: string,
  onCall: (body: Record<string, unknown>) => Promise<void> | void = () => undefined,
): Promise<{ close(): Promise<void> }> {
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on("end", async () => {
      await onCall(JSON.parse(body) as Record<string, unknown>);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(WEATHER_OUTPUT));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  await gatewayJson(gateway, `/admin/tenants/${tenantId}/tools/get_weather`, {
    method: "PUT",
    body: {
      description: "Current weather for a city",
      parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
      url: `http://127.0.0.1:${port}/weather`,
    },
  });
  return { close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

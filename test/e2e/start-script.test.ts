/**
 * `npm start` as a user runs it: `tsx tools/start.ts` in a child process, then the printed URL and
 * key used with the official SDK, then Ctrl-C.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { freePort } from "../../tools/launch";
import { PROJECT_ROOT } from "../../tools/launch/wrangler-env";
import { type RunningProcess, runProcess } from "../helpers-node/child-process";
import { gatewayClient } from "../helpers-node/openai-client";

const TSX_CLI = join(PROJECT_ROOT, "node_modules", "tsx", "dist", "cli.mjs");

let dir: string;
let port: number;
let start: RunningProcess;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "edgegate-start-"));
  port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    XDG_CONFIG_HOME: join(dir, "xdg"),
    EDGEGATE_PERSIST_DIR: join(dir, "state"),
    EDGEGATE_LOCAL_CONFIG: join(dir, "local.json"),
  };
  for (const name of ["OPENAI_BASE_URL", "OPENAI_API_KEY", "ADMIN_TOKEN", "TOKEN_SECRET", "WRANGLER_LOG"]) {
    delete env[name];
  }
  start = runProcess(process.execPath, [TSX_CLI, "tools/start.ts"], { cwd: PROJECT_ROOT, env });
});

afterAll(async () => {
  await start?.stop("SIGKILL", 5_000);
  await rm(dir, { recursive: true, force: true });
});

it("prints a working URL and key, keeps the generated admin token, and stops on SIGINT", async () => {
  const [, url] = await start.waitFor(/running at (http:\/\/\S+)/, 45_000);
  const [, apiKey] = await start.waitFor(/API key\s+(egk_\S+)/, 5_000);
  const [, adminToken] = await start.waitFor(/Admin token\s+(\S+)/, 5_000);
  expect(url).toBe(`http://127.0.0.1:${port}`);
  expect(start.output()).toContain(`${url}/docs`);
  expect(start.output()).toMatch(/Upstream\s+OpenAI simulator at http:\/\/127\.0\.0\.1:\d+\/v1/);

  const client = gatewayClient(url ?? "", apiKey ?? "");
  const res = await client.chat.completions.create({
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: "Hello from npm start" }],
  });
  expect(res.choices[0]?.message.content).toMatch(/\w+/);

  // The simulator's open-weight host, registered as the tenant's provider, serves through the gateway.
  const [, host] = await start.waitFor(/Open-weight\s+(http:\/\/127\.0\.0\.1:\d+\/open-weight\/v1)/, 5_000);
  const [, tenantId] = await start.waitFor(/tenant "default", (\S+)\)/, 5_000);
  const registered = await fetch(`${url}/admin/tenants/${tenantId}/providers`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({
      name: "open-weight",
      base_url: host,
      api_key: "sk-open-weight-sim-5e1d",
      capabilities: ["chat"],
    }),
  });
  expect(registered.status).toBe(201);
  const student = await client.chat.completions.create({
    model: "open-weight/llama-3.1-8b-instruct",
    messages: [{ role: "user", content: "Hello from an open-weight model" }],
  });
  // Relayed as the provider answered: its own id for the model (the gateway routes by the prefix).
  expect(student.model).toBe("llama-3.1-8b-instruct");
  expect(student.choices[0]?.message.content).toBeTruthy();

  const saved = JSON.parse(await readFile(join(dir, "local.json"), "utf8")) as { adminToken: string };
  expect(saved.adminToken).toBe(adminToken);

  expect(await start.stop("SIGINT", 15_000)).toBe(0);
  expect(start.output()).toContain("stopping Edgegate");
});

/**
 * `npm start`: the gateway on http://127.0.0.1:$PORT with local KV, D1 and Durable Objects, the
 * D1 migrations applied, and the bundled OpenAI simulator as upstream unless `OPENAI_BASE_URL` is
 * set. Prints the URL, the admin token and a ready API key for the `default` tenant.
 *
 * Environment: PORT (8787), HTTPS=1 (https/wss with a self-signed certificate), OPENAI_BASE_URL, OPENAI_API_KEY, ADMIN_TOKEN, TOKEN_SECRET and PROVIDER_KEYS_SECRET (generated
 * once into .edgegate/local.json when unset), OPENAI_WEBHOOK_SECRET, WRANGLER_LOG (wrangler's log
 * level, default `info`: one line per request). For tests: EDGEGATE_PERSIST_DIR (.wrangler/state)
 * and EDGEGATE_LOCAL_CONFIG (.edgegate/local.json).
 */
import { writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { startBanner } from "./launch/banner";
import { bootstrapTenant, type Gateway, launchGateway, type WranglerLogLevel } from "./launch/index";
import { loadLocalSecrets } from "./launch/local-secrets";
import { PROJECT_ROOT } from "./launch/wrangler-env";

const TENANT = "default";
const LOG_LEVELS: readonly WranglerLogLevel[] = ["debug", "info", "log", "warn", "error", "none"];

function fail(message: string): never {
  console.error(`npm start: ${message}`);
  process.exit(1);
}

function readPort(): number {
  const raw = process.env.PORT || "8787";
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) fail(`PORT must be a port number, not '${raw}'.`);
  return port;
}

function readUpstream(): { baseUrl: string; apiKey: string } | undefined {
  const baseUrl = process.env.OPENAI_BASE_URL;
  if (!baseUrl) {
    if (process.env.OPENAI_API_KEY) {
      console.warn(
        "OPENAI_API_KEY is set but OPENAI_BASE_URL is not, so the simulator is used. " +
          "Set OPENAI_BASE_URL=https://api.openai.com/v1 to call OpenAI.",
      );
    }
    return undefined;
  }
  if (!process.env.OPENAI_API_KEY) console.warn("OPENAI_BASE_URL is set without OPENAI_API_KEY.");
  return { baseUrl, apiKey: process.env.OPENAI_API_KEY ?? "" };
}

function readLogLevel(): WranglerLogLevel {
  const raw = process.env.WRANGLER_LOG?.toLowerCase() || "info";
  return (
    LOG_LEVELS.find((level) => level === raw) ?? fail(`WRANGLER_LOG must be one of ${LOG_LEVELS.join(", ")}.`)
  );
}

function stopOnSignals(gateway: Gateway): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130); // a second Ctrl-C: do not wait for a clean shutdown
    stopping = true;
    console.log(`\nReceived ${signal}, stopping Edgegate…`);
    gateway.close().then(
      () => process.exit(0),
      (err: unknown) => fail(`shutdown failed: ${err instanceof Error ? err.message : String(err)}`),
    );
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    // Importing wrangler installs handlers that exit at once, skipping the clean shutdown.
    for (const listener of process.listeners(signal)) process.off(signal, listener);
    process.on(signal, stop);
  }
}

async function main(): Promise<void> {
  const port = readPort();
  const upstream = readUpstream();
  const logLevel = readLogLevel();
  const secretsFile = process.env.EDGEGATE_LOCAL_CONFIG || join(PROJECT_ROOT, ".edgegate", "local.json");
  const secrets = await loadLocalSecrets(secretsFile, {
    adminToken: process.env.ADMIN_TOKEN,
    tokenSecret: process.env.TOKEN_SECRET,
    providerKeysSecret: process.env.PROVIDER_KEYS_SECRET,
  });
  console.log("Starting Edgegate: applying D1 migrations and starting the Worker…");
  const gateway = await launchGateway({
    port,
    persistDir: process.env.EDGEGATE_PERSIST_DIR || join(PROJECT_ROOT, ".wrangler", "state"),
    upstream,
    adminToken: secrets.adminToken,
    tokenSecret: secrets.tokenSecret,
    providerKeysSecret: secrets.providerKeysSecret,
    webhookSecret: process.env.OPENAI_WEBHOOK_SECRET || undefined,
    logLevel,
    // HTTPS=1 serves https/wss with a fresh self-signed certificate (the Node Realtime SDK dials wss only).
    https: process.env.HTTPS === "1",
  });
  stopOnSignals(gateway);
  const key = await bootstrapTenant(gateway.url, gateway.adminToken, TENANT, {
    keyName: "npm start",
    ca: gateway.ca,
  }).catch(async (err: unknown) => {
    await gateway.close();
    throw err;
  });
  const generated = process.env.ADMIN_TOKEN ? undefined : relative(process.cwd(), secretsFile) || secretsFile;
  console.log(startBanner({ gateway, key, tenantName: TENANT, secretsFile: generated }));
  if (gateway.ca) {
    const caFile = join(dirname(secretsFile), "ca.pem");
    await writeFile(caFile, gateway.ca);
    console.log(
      `HTTPS: trust the certificate with NODE_EXTRA_CA_CERTS=${relative(process.cwd(), caFile) || caFile}\n`,
    );
  }
}

main().catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));

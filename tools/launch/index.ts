/**
 * Starts the gateway locally the one way `npm start`, the end-to-end tests and the benchmarks share:
 * D1 migrations applied to the persist folder, the OpenAI simulator as upstream unless one is given,
 * and the Worker run in workerd through wrangler's `unstable_startWorker` with the devtools inspector
 * off (it costs milliseconds of CPU per outbound fetch).
 *
 * @example
 * const gw = await launchGateway({ port: 0 });
 * const { apiKey } = await bootstrapTenant(gw.url, gw.adminToken);
 * const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey });
 * await gw.close();
 *
 * @see https://developers.cloudflare.com/workers/wrangler/api/#unstable_startworker
 */
import { existsSync, rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type SimConfig, type Simulator, startSimulator } from "../openai-sim";
import { waitForHealthy } from "./http-client";
import { randomSecret } from "./local-secrets";
import { applyMigrations, freshMigratedState } from "./migrations";
import { createSelfSignedCert, type TlsCert } from "./tls-cert";
import { type StartWorkerInput, startWorker } from "./worker";
import { applyOfflineWranglerEnv, WRANGLER_CONFIG } from "./wrangler-env";

export { bootstrapTenant, type TenantKey } from "./bootstrap";
export { freePort } from "./free-port";
export { type HttpInit, type HttpResult, httpRequest } from "./http-client";

type Bindings = NonNullable<StartWorkerInput["bindings"]>;
export type WranglerLogLevel = NonNullable<NonNullable<StartWorkerInput["dev"]>["logLevel"]>;

export interface LaunchOptions {
  /** Port on 127.0.0.1; 0 or omitted picks a free one. */
  port?: number;
  /** Local KV/D1/Durable Object state. Omitted: a fresh temporary folder, removed by `close()`. */
  persistDir?: string;
  /** The upstream API. Omitted: the bundled simulator is started on a free port. */
  upstream?: { baseUrl: string; apiKey: string };
  /** Settings for the bundled simulator (ignored with `upstream`). */
  simulatorConfig?: Partial<SimConfig>;
  /** Omitted: a random token. */
  adminToken?: string;
  /** Omitted: a random secret. */
  tokenSecret?: string;
  /** `PROVIDER_KEYS_SECRET` (encrypts tenants' provider keys); omitted: a random secret. */
  providerKeysSecret?: string;
  /** `OPENAI_WEBHOOK_SECRET`; omitted: unset (the webhook route answers 503). */
  webhookSecret?: string;
  /** More Worker variables (`MAX_BODY_BYTES`, `LOG_LEVEL`, …), overriding wrangler.toml's `[vars]`. */
  vars?: Record<string, string>;
  /** Serve HTTPS with a fresh self-signed certificate, returned as `Gateway.ca`. */
  https?: boolean;
  /** Wrangler's own logging (not the Worker's `LOG_LEVEL`). Default `warn`. */
  logLevel?: WranglerLogLevel;
  /**
   * Another Worker script to run in the gateway's place with the same bindings and assets (the
   * benchmarks' bare pass-through Worker). It must export the gateway's Durable Object classes.
   */
  entrypoint?: string;
  /** Turn workerd's devtools inspector on at this port (CPU profiles); off otherwise. */
  inspectorPort?: number;
}

export interface Gateway {
  /** `http://127.0.0.1:PORT` (`https://` with `https: true`), without a trailing slash. */
  url: string;
  port: number;
  adminToken: string;
  tokenSecret: string;
  /** The `OPENAI_BASE_URL` the Worker was given. */
  upstreamBaseUrl: string;
  /** The bundled simulator, when no upstream was given. */
  simulator?: Simulator;
  persistDir: string;
  /** PEM of the certificate to trust, with `https: true`. */
  ca?: string;
  /** The devtools inspector's WebSocket URL, with `inspectorPort`. */
  inspectorUrl?: string;
  /**
   * The Worker's own socket, past wrangler's dev proxy (http only): what benchmarks use to measure
   * the Worker without the second workerd process every request to `url` crosses.
   */
  directUrl?: string;
  /** Stops the Worker and the simulator and removes temporary folders. Safe to call twice. */
  close(): Promise<void>;
}

/** Starts the gateway and resolves once `/healthz` answers. */
export async function launchGateway(opts: LaunchOptions = {}): Promise<Gateway> {
  applyOfflineWranglerEnv();
  const cleanup: (() => Promise<void>)[] = [];
  const close = once(() => runAll(cleanup.reverse()));
  try {
    const persistDir = opts.persistDir ?? join(await makeTempDir(cleanup), "state");
    const simulator = opts.upstream ? undefined : await startSimulator({ config: opts.simulatorConfig });
    if (simulator) cleanup.push(() => simulator.close());
    const [cert] = await Promise.all([
      opts.https ? createSelfSignedCert(await makeTempDir(cleanup)) : undefined,
      // A folder that holds state is migrated in place; a new one starts as a migrated copy.
      existsSync(persistDir) ? applyMigrations(persistDir) : freshMigratedState(persistDir),
      import("wrangler"), // loading it takes seconds: overlap with the migrations' child process
    ]);
    const upstream = opts.upstream ?? simulatorUpstream(simulator);
    const adminToken = opts.adminToken ?? randomSecret("adm_");
    const tokenSecret = opts.tokenSecret ?? randomSecret("");
    const bindings = workerBindings(opts, upstream, adminToken, tokenSecret);
    if (simulator) allowSimulatorHost(bindings, simulator);
    bindings.PROVIDER_KEYS_SECRET = {
      type: "secret_text",
      value: opts.providerKeysSecret ?? randomSecret(""),
    };
    const worker = await startWorker(startInput(opts, bindings, persistDir, cert));
    cleanup.push(() => worker.dispose());
    const { url, inspectorUrl, directUrl } = worker;
    await waitForHealthy(url, { ca: cert?.pem });
    return {
      url,
      port: Number(new URL(url).port),
      adminToken,
      tokenSecret,
      upstreamBaseUrl: upstream.baseUrl,
      simulator,
      persistDir,
      ca: cert?.pem,
      inspectorUrl,
      directUrl,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

function workerBindings(
  opts: LaunchOptions,
  upstream: { baseUrl: string; apiKey: string },
  adminToken: string,
  tokenSecret: string,
): Bindings {
  const bindings: Bindings = {
    OPENAI_BASE_URL: { type: "plain_text", value: upstream.baseUrl },
    OPENAI_API_KEY: { type: "secret_text", value: upstream.apiKey },
    ADMIN_TOKEN: { type: "secret_text", value: adminToken },
    TOKEN_SECRET: { type: "secret_text", value: tokenSecret },
  };
  if (opts.webhookSecret) bindings.OPENAI_WEBHOOK_SECRET = { type: "secret_text", value: opts.webhookSecret };
  // The key for tenants' own fine-tuning APIs comes from the environment, like the provider key.
  const fineTuningKey = process.env.FINE_TUNING_API_KEY;
  if (fineTuningKey) bindings.FINE_TUNING_API_KEY = { type: "secret_text", value: fineTuningKey };
  // The outbound-URL guard's operator settings (docs/security.md), e.g. a local tool server's host.
  for (const name of ["OUTBOUND_ALLOW_PRIVATE_HOSTS", "OUTBOUND_DOH_URL"]) {
    const value = process.env[name];
    if (value) bindings[name] = { type: "plain_text", value };
  }
  for (const [name, value] of Object.entries(opts.vars ?? {})) bindings[name] = { type: "plain_text", value };
  return bindings;
}

/**
 * The simulator's open-weight host persona (`/open-weight/v1`) is registered as a tenant provider in
 * docs/training.md's example; the outbound-URL guard lets its local address through, and nothing else.
 */
function allowSimulatorHost(bindings: Bindings, simulator: Simulator): void {
  const current = bindings.OUTBOUND_ALLOW_PRIVATE_HOSTS;
  const listed =
    current && "value" in current && typeof current.value === "string" ? `${current.value},` : "";
  bindings.OUTBOUND_ALLOW_PRIVATE_HOSTS = {
    type: "plain_text",
    value: `${listed}127.0.0.1:${simulator.port}`,
  };
}

function startInput(
  opts: LaunchOptions,
  bindings: Bindings,
  persistDir: string,
  cert: TlsCert | undefined,
): StartWorkerInput {
  return {
    config: WRANGLER_CONFIG,
    entrypoint: opts.entrypoint,
    bindings,
    dev: {
      inspector:
        opts.inspectorPort === undefined ? false : { hostname: "127.0.0.1", port: opts.inspectorPort },
      logLevel: opts.logLevel ?? "warn",
      watch: false,
      persist: persistDir,
      server: {
        hostname: "127.0.0.1",
        port: opts.port ?? 0,
        secure: opts.https ?? false,
        httpsKeyPath: cert?.keyPath,
        httpsCertPath: cert?.certPath,
      },
    },
  };
}

/**
 * A fresh folder under the OS temp dir, removed by the gateway's `close()`, or when the process
 * exits without calling it (a test runner tearing down, wrangler's own Ctrl-C handler).
 */
async function makeTempDir(cleanup: (() => Promise<void>)[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "edgegate-"));
  const onExit = () => rmSync(dir, { recursive: true, force: true });
  process.once("exit", onExit);
  cleanup.push(async () => {
    process.off("exit", onExit);
    await rm(dir, { recursive: true, force: true });
  });
  return dir;
}

function simulatorUpstream(simulator: Simulator | undefined): { baseUrl: string; apiKey: string } {
  if (!simulator) throw new Error("No upstream: give `upstream` or let the simulator start.");
  return { baseUrl: simulator.url, apiKey: simulator.state.config.apiKey ?? "sk-sim-edgegate" };
}

/** Runs every step even when one fails, then rethrows the first failure. */
async function runAll(steps: (() => Promise<void>)[]): Promise<void> {
  const failures: unknown[] = [];
  for (const step of steps) await step().catch((err: unknown) => failures.push(err));
  if (failures.length > 0) throw failures[0];
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => {
    running ??= fn();
    return running;
  };
}

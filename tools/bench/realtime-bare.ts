/**
 * The bare Durable Object relay (`realtime-bare-relay/worker.js`) started the way the gateway is
 * (`unstable_startWorker`, inspector off), so the benchmark can tell workerd's own WebSocket cost
 * from the cost of what the gateway's relay does per frame.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startWorker } from "../launch/worker";
import { applyOfflineWranglerEnv, PROJECT_ROOT } from "../launch/wrangler-env";
import { descendants, listeningPorts } from "./realtime-procs";

/** What the bare relay answers on `/healthz`, which tells its workerd from the gateway's. */
const BARE_HEALTH = "bare relay";

export interface BareRelay {
  /** The port of wrangler's proxy worker in front of it. */
  port: number;
  close(): Promise<void>;
}

/** Every workerd process this process started. */
export const workerdPids = (): number[] =>
  descendants(/workerd(-linux-64)?\/bin\/workerd serve/).map((p) => p.pid);

/** Starts the bare relay in front of `upstream` (`…/v1` and its key). */
export async function launchBareRelay(upstream: { baseUrl: string; apiKey: string }): Promise<BareRelay> {
  applyOfflineWranglerEnv();
  const persist = await mkdtemp(join(tmpdir(), "edgegate-bare-relay-"));
  const worker = await startWorker({
    config: join(PROJECT_ROOT, "tools/bench/realtime-bare-relay/wrangler.jsonc"),
    bindings: {
      UPSTREAM_BASE_URL: { type: "plain_text", value: upstream.baseUrl },
      UPSTREAM_API_KEY: { type: "secret_text", value: upstream.apiKey },
    },
    dev: {
      inspector: false,
      logLevel: "warn",
      watch: false,
      persist,
      server: { hostname: "127.0.0.1", port: 0 },
    },
  }).catch(async (err: unknown) => {
    await rm(persist, { recursive: true, force: true });
    throw err;
  });
  return {
    port: Number(new URL(worker.url).port),
    close: async () => {
      await worker.dispose();
      await rm(persist, { recursive: true, force: true });
    },
  };
}

const healthOf = (port: number) =>
  fetch(`http://127.0.0.1:${port}/healthz`).then(
    (r) => r.text(),
    () => "",
  );

/**
 * The bare relay's workerd processes as they run now (wrangler may have restarted them): its proxy
 * (listening on `relay.port`) and the runtime whose `/healthz` answers as the bare relay.
 */
export async function bareRelayPids(relay: BareRelay): Promise<Set<number>> {
  const pids = new Set<number>();
  for (const pid of workerdPids()) {
    try {
      const ports = listeningPorts(pid);
      if (ports.includes(relay.port)) pids.add(pid);
      else for (const port of ports) if ((await healthOf(port)) === BARE_HEALTH) pids.add(pid);
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

import { setTimeout as sleep } from "node:timers/promises";
import type { unstable_DevEnv, unstable_startWorker } from "wrangler";

export type StartWorkerInput = Parameters<typeof unstable_startWorker>[0];
export type DevWorker = Awaited<ReturnType<typeof unstable_startWorker>>;
type ControllerEvent = Parameters<unstable_DevEnv["dispatch"]>[0];

const START_TIMEOUT_MS = 60_000;
/**
 * How long a start waits for the Worker's own address after the dev proxy is ready. Normally it comes
 * within a second; on a machine loaded by a whole test run it once came after 5 s (the e2e launcher
 * test then saw none), so the bound is generous: it only costs a start whose runtime never says.
 */
const DIRECT_URL_WAIT_MS = 20_000;

const delay = (ms: number) => sleep(ms, undefined, { ref: false });

export interface StartedWorker {
  /** `http://127.0.0.1:PORT` as really bound (it differs from the request with port 0). */
  url: string;
  /**
   * The Worker's own workerd socket, without wrangler's dev proxy in front (which every request of
   * `url` crosses, as a second workerd process): what benchmarks use to measure the Worker alone.
   */
  directUrl?: string;
  /** The devtools inspector's URL, when it is on. */
  inspectorUrl?: string;
  dispose(): Promise<void>;
}

/**
 * `unstable_startWorker`, failing fast instead of waiting forever: some failures (a bundling error
 * after the first build, a runtime that does not come up) are only logged by wrangler and leave
 * `ready` pending, so the first real error event of the dev environment (or a timeout) rejects the
 * start and tears the environment down.
 */
export async function startWorker(input: StartWorkerInput): Promise<StartedWorker> {
  const { unstable_DevEnv: DevEnv } = await import("wrangler");
  const devEnv = new DevEnv();
  let fail: (err: Error) => void = () => {};
  const failed = new Promise<never>((_, reject) => {
    fail = reject;
  });
  failed.catch(() => {}); // observed through Promise.race below; later errors are moot
  // The Worker's own socket is announced once its runtime has loaded it, which can be after the dev
  // proxy in front of it is ready.
  let announceDirect: (url: string) => void = () => {};
  const direct = new Promise<string>((resolve) => {
    announceDirect = resolve;
  });
  const dispatch = devEnv.dispatch.bind(devEnv);
  devEnv.dispatch = (event: ControllerEvent) => {
    if (event.type === "error" && !isBenign(event)) {
      fail(new Error(`wrangler ${event.source}: ${describe(event)}`));
    }
    if (event.type === "reloadComplete") {
      const { protocol, port } = event.proxyData.userWorkerUrl;
      announceDirect(`${protocol}//127.0.0.1:${port}`);
    }
    dispatch(event);
  };
  devEnv.on("error", (err: unknown) => fail(err instanceof Error ? err : new Error(String(err))));
  const timer = setTimeout(
    () => fail(new Error(`The Worker did not start within ${START_TIMEOUT_MS / 1000} s.`)),
    START_TIMEOUT_MS,
  );
  try {
    const worker = await Promise.race([devEnv.startWorker(input), failed]);
    const url = await Promise.race([readyUrl(worker), failed]);
    const inspector = await worker.inspectorUrl;
    // Only benchmarks use it: a runtime that never announces it costs a start at most this wait.
    const directUrl = await Promise.race([direct, failed, delay(DIRECT_URL_WAIT_MS)]);
    return { url, directUrl, inspectorUrl: inspector?.href, dispose: () => worker.dispose() };
  } catch (err) {
    await devEnv.teardown();
    throw withCause(err);
  } finally {
    clearTimeout(timer);
  }
}

async function readyUrl(worker: DevWorker): Promise<string> {
  await worker.ready;
  const url = await worker.url;
  return `${url.protocol}//127.0.0.1:${url.port}`;
}

type ErrorEvent = Extract<ControllerEvent, { type: "error" }>;

/** Errors wrangler itself only logs at debug level: the devtools proxy, which is off here. */
function isBenign(event: ErrorEvent): boolean {
  return (
    event.source === "ProxyController" &&
    (event.reason.startsWith("Failed to send message to") ||
      event.reason.startsWith("Could not connect to InspectorProxyWorker"))
  );
}

function describe(event: ErrorEvent): string {
  const cause = event.cause.message;
  return cause && cause !== event.reason ? `${event.reason}: ${cause}` : event.reason;
}

/** Wrangler wraps build errors in "An error occurred when starting the server"; keep the real reason. */
function withCause(err: unknown): Error {
  if (!(err instanceof Error)) return new Error(String(err));
  if (!(err.cause instanceof Error)) return err;
  return new Error(`${err.message}: ${err.cause.message}`, { cause: err.cause });
}

/**
 * Where the Realtime benchmark's Worker targets run: the gateway's and the bare relay's workerd
 * processes (found again for every measurement, since wrangler may restart them) and their URLs.
 */
import type { Target } from "./realtime-client";
import { listeningPorts, type WorkerdProcesses, workerdProcesses } from "./realtime-procs";

export const answers = (url: string) =>
  fetch(url).then(
    (r) => r.ok,
    () => false,
  );

/** Of the gateway workerd's ports, the one that serves the Worker (Miniflare's entry). */
async function miniflarePort(pid: number): Promise<number> {
  for (const port of listeningPorts(pid)) if (await answers(`http://127.0.0.1:${port}/healthz`)) return port;
  throw new Error("No port of the gateway's workerd answers /healthz.");
}

export function currentWorkerd(proxyPort: number, ignore: ReadonlySet<number>): WorkerdProcesses | null {
  try {
    return workerdProcesses(proxyPort, ignore);
  } catch {
    return null;
  }
}

/** A Worker's workerd processes, waiting out a reload in progress. */
async function settledWorkerd(
  proxyPort: number,
  ignore: () => Promise<ReadonlySet<number>>,
): Promise<WorkerdProcesses> {
  for (let i = 0; i < 100; i++) {
    const found = currentWorkerd(proxyPort, await ignore());
    if (found && (await answers(`http://127.0.0.1:${proxyPort}/healthz`))) return found;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return workerdProcesses(proxyPort, await ignore());
}

/**
 * A Worker as it runs now (after any reload): a target on one of its URLs, and its processes. `name`
 * is `gateway` or `bare relay`; `ignore` holds the other Worker's workerd processes.
 */
export async function workerTarget(opts: {
  name: string;
  label: string;
  proxyPort: number;
  miniflare: boolean;
  apiKey: string;
  simulatorPid: number;
  ignore: () => Promise<ReadonlySet<number>>;
}) {
  const workerd = await settledWorkerd(opts.proxyPort, opts.ignore);
  const port = opts.miniflare ? await miniflarePort(workerd.gateway.pid) : opts.proxyPort;
  const target: Target = {
    label: opts.label,
    origin: `ws://127.0.0.1:${port}`,
    headers: (user) => ({ authorization: `Bearer ${opts.apiKey}`, "x-user-id": user }),
  };
  const processes = {
    simulator: opts.simulatorPid,
    [`workerd (${opts.name})`]: workerd.gateway.pid,
    [`workerd (${opts.name}'s wrangler proxy)`]: workerd.proxy.pid,
  };
  return { target, processes, gatewayPid: workerd.gateway.pid };
}

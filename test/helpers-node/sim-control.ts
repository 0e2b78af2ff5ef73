/**
 * The simulator's control API (`/__sim/*`), spoken over HTTP as any out-of-process test would.
 * @see tools/openai-sim/control.ts
 */
import type { FaultSpec } from "../../tools/openai-sim";

async function call<T>(origin: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${origin}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok)
    throw new Error(`${method} ${path} on the simulator answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

/** Clears faults and request counts. */
export async function resetSim(origin: string): Promise<void> {
  await call(origin, "POST", "/__sim/reset");
}

/** Arms one or more faults for the next matching requests. */
export async function addSimFault(origin: string, fault: FaultSpec | FaultSpec[]): Promise<void> {
  await call(origin, "POST", "/__sim/faults", fault);
}

/** Requests the simulator served since the last reset, keyed `"METHOD /path"`. */
export async function simRequestCounts(origin: string): Promise<Record<string, number>> {
  return (await call<{ requests: Record<string, number> }>(origin, "GET", "/__sim/stats")).requests;
}

/** Patches the simulator's configuration (`fineTuneStepMs`, `backgroundStepMs`, …). */
export async function setSimConfig(origin: string, patch: Record<string, unknown>): Promise<void> {
  await call(origin, "POST", "/__sim/config", patch);
}

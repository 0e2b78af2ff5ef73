import { inject } from "vitest";

/**
 * This test file's scope in the simulator: the faults, request counters and configuration it sets
 * and reads are its own, so test files run side by side against the one simulator. Files that run
 * one after another in the same workerd share this module, so the setup file (test/workers/per-file.ts)
 * starts a new scope before each file: a fault one file set and did not use never reaches the next.
 */
let scope = newScope();

function newScope(): string {
  return crypto.randomUUID().replaceAll("-", "");
}

/** Gives the test file about to run a scope of its own (called by the setup file, once per file). */
export function beginFileScope(): void {
  scope = newScope();
}

/** A request id the gateway keeps and forwards upstream, which puts its upstream calls in this file's scope. */
export function scopedRequestId(): string {
  return `scope-${scope}.${crypto.randomUUID()}`;
}

/** Sets a scoped `x-request-id` on a request to the gateway unless it already has one. */
export function inSimScope(request: Request): Request {
  if (request.headers.has("x-request-id")) return request;
  const scoped = new Request(request);
  scoped.headers.set("x-request-id", scopedRequestId());
  return scoped;
}

/** A direct call to the simulator in this file's scope. */
export function simFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("x-sim-scope", scope);
  return fetch(`${sim.origin()}${path}`, { ...init, headers });
}

/** Steers and observes the OpenAI simulator that globalSetup started, in this file's scope. */
export const sim = {
  origin: (): string => inject("simOrigin"),
  async reset(): Promise<void> {
    await simFetch("/__sim/reset", { method: "POST" });
  },
  async fault(spec: Record<string, unknown>): Promise<void> {
    const res = await simFetch("/__sim/faults", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(spec),
    });
    if (!res.ok) throw new Error(`fault: ${res.status}`);
  },
  async config(patch: Record<string, unknown>): Promise<void> {
    const res = await simFetch("/__sim/config", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(patch),
    });
    if (!res.ok) throw new Error(`sim config: ${res.status}`);
  },
  async stats(): Promise<{ requests: Record<string, number>; requests_by_key: Record<string, number> }> {
    const res = await simFetch("/__sim/stats");
    return (await res.json()) as {
      requests: Record<string, number>;
      requests_by_key: Record<string, number>;
    };
  },
  async requests(route: string): Promise<number> {
    return (await sim.stats()).requests[route] ?? 0;
  },
};

import { inject } from "vitest";

/** Steers and observes the OpenAI simulator that globalSetup started. */
export const sim = {
  origin: (): string => inject("simOrigin"),
  async reset(): Promise<void> {
    await fetch(`${sim.origin()}/__sim/reset`, { method: "POST" });
  },
  async fault(spec: Record<string, unknown>): Promise<void> {
    const res = await fetch(`${sim.origin()}/__sim/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(spec),
    });
    if (!res.ok) throw new Error(`fault: ${res.status}`);
  },
  async requests(route: string): Promise<number> {
    const res = await fetch(`${sim.origin()}/__sim/stats`);
    const stats = (await res.json()) as { requests: Record<string, number> };
    return stats.requests[route] ?? 0;
  },
};

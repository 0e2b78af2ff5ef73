import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { coalescerName } from "../../src/cache";
import { type CacheKind, canonicalRequest, exactKey } from "../../src/cache/key";
import { readStats } from "../../src/cache/stats";
import { admin, createTenant, gw, jsonInit } from "./helpers/gateway";
import { eventually } from "./helpers/realtime";
import { sim } from "./helpers/sim";

beforeEach(() => sim.reset());

/**
 * Request shapes the gateway's loose schemas let through to the provider (which answers 400): the
 * cache's accounting after the answer reads them too, and must neither throw nor leave the request's
 * coalesced flight open — an open flight made the next identical request wait out the leader's
 * deadline (UPSTREAM_TIMEOUT_MS + 5 s) before going to the provider itself.
 */
const CASES: { kind: CacheKind; path: string; body: Record<string, unknown> }[] = [
  {
    kind: "chat",
    path: "/v1/chat/completions",
    body: { model: "gpt-4o-mini", messages: [{ role: "user", content: [null] }] },
  },
  {
    kind: "responses",
    path: "/v1/responses",
    body: { model: "gpt-4o-mini", input: [{ role: "user", content: [null] }] },
  },
];

interface EventList {
  data: { outcome: string; endpoint: string; preview: string }[];
}

describe("an upstream 400 for a request with a null content part", () => {
  for (const { kind, path, body } of CASES) {
    it(`releases its coalesced flight and is counted as a miss (${path})`, async () => {
      const tenant = await createTenant({ cache: { mode: "exact" } });
      const send = () => gw(path, jsonInit("POST", body, { authorization: `Bearer ${tenant.key}` }));
      const first = await send();
      expect(first.status).toBe(400);
      expect(first.headers.get("x-cache")).toBe("MISS");

      // `gw` returned after the request's `waitUntil` work: the flight must be gone by now, so the
      // next caller of the key leads instead of waiting for a leader that will never report.
      const scope = { tenantId: tenant.id, generation: 0, userId: null };
      const key = await exactKey(kind, scope, canonicalRequest(kind, body));
      const coalescer = env.COALESCER.getByName(coalescerName(undefined, key));
      const joined = await coalescer.joinKey(key, 1_000);
      expect(joined.role).toBe("leader");
      if (joined.role === "leader") await coalescer.abandonKey(key, joined.token);

      const stats = await eventually(
        () => readStats(env.DB, tenant.id),
        (s) => s.misses >= 1,
      );
      expect(stats.misses).toBe(1);
      const events = await eventually(
        async () => (await (await admin(`/tenants/${tenant.id}/cache/events`)).json()) as EventList,
        (list) => list.data.length >= 1,
      );
      expect(events.data).toEqual([
        expect.objectContaining({ outcome: "miss", endpoint: path, preview: "" }),
      ]);

      const second = await send();
      expect(second.status).toBe(400);
      expect(second.headers.get("x-cache")).toBe("MISS");
      expect(await sim.requests(`POST ${path}`)).toBe(2);
    });
  }
});

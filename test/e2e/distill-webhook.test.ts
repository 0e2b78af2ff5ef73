/**
 * The provider's real webhook delivery: the simulator signs `fine_tuning.job.succeeded` with the
 * Standard Webhooks scheme and POSTs it (through a recording relay) to the gateway's /hooks/openai,
 * which updates the stored job. The simulator is then stopped, so what the gateway reports can only
 * come from what the webhook stored.
 */
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootstrapTenant, freePort, type Gateway, launchGateway } from "../../tools/launch";

const WEBHOOK_SECRET = "whsec_ZTJlLWRpc3RpbGwtd2ViaG9vay1zZWNyZXQ=";

let gateway: Gateway;
let relay: Server;
const deliveries: { type: string; status: number }[] = [];

/** Forwards each delivery to the gateway unchanged and records the gateway's answer. */
function startRelay(port: number, target: () => string): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const headers: Record<string, string> = {};
      for (const name of ["content-type", "webhook-id", "webhook-timestamp", "webhook-signature"]) {
        const value = req.headers[name];
        if (typeof value === "string") headers[name] = value;
      }
      const answer = await fetch(`${target()}/hooks/openai`, { method: "POST", headers, body });
      deliveries.push({ type: (JSON.parse(body) as { type: string }).type, status: answer.status });
      res.writeHead(answer.status).end(await answer.text());
    });
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

beforeAll(async () => {
  const relayPort = await freePort();
  relay = await startRelay(relayPort, () => gateway.url);
  gateway = await launchGateway({
    vars: { LOG_LEVEL: "error" },
    webhookSecret: WEBHOOK_SECRET,
    simulatorConfig: {
      fineTuneStepMs: 20,
      webhookSecret: WEBHOOK_SECRET,
      webhookUrl: `http://127.0.0.1:${relayPort}/`,
    },
  });
});

afterAll(async () => {
  await gateway?.close();
  await new Promise((resolve) => relay?.close(resolve));
});

describe("fine-tuning webhooks end to end", () => {
  it("updates the stored job from the provider's signed webhook", async () => {
    const { apiKey } = await bootstrapTenant(gateway.url, gateway.adminToken, "distill-e2e");
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${gateway.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      expect(res.status, `${method} ${path}`).toBe(200);
      return res.json() as Promise<Record<string, unknown>>;
    };
    const ds = await api("POST", "/v1/datasets", { name: "e2e", validation_ratio: 0 });
    const examples = Array.from({ length: 10 }, (_, i) => ({
      messages: [
        { role: "user", content: `e2e question ${i}` },
        { role: "assistant", content: `e2e answer ${i}` },
      ],
    }));
    await api("POST", `/v1/datasets/${ds.id}/examples`, { examples });
    const job = await api("POST", `/v1/datasets/${ds.id}/fine_tuning_jobs`, {
      model: "gpt-4o-mini-2024-07-18",
    });
    expect(job.status).toBe("validating_files");
    const deadline = Date.now() + 10_000;
    while (deliveries.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    expect(deliveries).toEqual([{ type: "fine_tuning.job.succeeded", status: 200 }]);
    await gateway.simulator?.close();
    const list = await api("GET", `/v1/datasets/${ds.id}/fine_tuning_jobs`);
    const [stored] = list.data as {
      id: string;
      status: string;
      fine_tuned_model: string;
      events: unknown[];
    }[];
    expect(stored).toMatchObject({ id: job.id, status: "succeeded" });
    expect(stored?.fine_tuned_model).toMatch(/^ft:gpt-4o-mini-2024-07-18:/);
    expect(stored?.events.length).toBeGreaterThan(0);
  });
});

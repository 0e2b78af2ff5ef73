/**
 * The gateway the SDK tours run against: launched as `npm start` launches it, over HTTPS because
 * the official SDKs dial Realtime on `wss://` only, with one tenant, a key of every default scope
 * and a key that may only call inference routes.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import OpenAI, { type ClientOptions } from "openai";
import { Agent } from "undici";
import { bootstrapTenant, type Gateway, httpRequest, launchGateway } from "../../tools/launch";

export interface TourGateway {
  gateway: Gateway;
  /** The simulator's origin, for its control API (faults, configuration). */
  simOrigin: string;
  tenantId: string;
  /** A key with every default scope. */
  apiKey: string;
  /** A key with the `inference` scope alone. */
  inferenceKey: string;
  /** The PEM file of the gateway's self-signed certificate (for `SSL_CERT_FILE`). */
  caFile: string;
}

export async function launchTourGateway(): Promise<TourGateway> {
  const gateway = await launchGateway({
    https: true,
    vars: { LOG_LEVEL: "error", UPSTREAM_RETRY_BASE_MS: "10" },
    simulatorConfig: { fineTuneStepMs: 10, backgroundStepMs: 150 },
  });
  const ca = gateway.ca ?? "";
  const { apiKey, tenantId } = await bootstrapTenant(gateway.url, gateway.adminToken, "sdk-tour", { ca });
  const res = await httpRequest(`${gateway.url}/admin/tenants/${tenantId}/keys`, {
    method: "POST",
    headers: { authorization: `Bearer ${gateway.adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "inference only", scopes: ["inference"] }),
    ca,
  });
  if (res.status !== 200 && res.status !== 201) throw new Error(`scoped key: ${res.status} ${res.body}`);
  const caFile = join(gateway.persistDir, "..", "ca.pem");
  await writeFile(caFile, ca);
  return {
    gateway,
    simOrigin: gateway.simulator?.origin ?? "",
    tenantId,
    apiKey,
    inferenceKey: (JSON.parse(res.body) as { key: string }).key,
    caFile,
  };
}

/**
 * The official Node SDK for a gateway served over HTTPS with a self-signed certificate: the
 * certificate is trusted through an undici dispatcher, as the SDK's README does for proxies.
 */
export function tourClient(tour: TourGateway, apiKey: string, opts: { maxRetries?: number } = {}): OpenAI {
  const dispatcher = new Agent({ connect: { ca: tour.gateway.ca } });
  return new OpenAI({
    baseURL: `${tour.gateway.url}/v1`,
    apiKey,
    maxRetries: opts.maxRetries ?? 0,
    timeout: 20_000,
    fetchOptions: { dispatcher } as ClientOptions["fetchOptions"],
  });
}

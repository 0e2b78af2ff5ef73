import { exports } from "cloudflare:workers";
import { auth } from "./finetune";
import { admin, GATEWAY, gw, jsonInit } from "./gateway";
import { sim } from "./sim";

/** The simulator's open-weight host persona (tools/openai-sim/open-weight.ts) and its own key. */
export const OPEN_WEIGHT_KEY = "sk-open-weight-sim-5e1d";
export const OPEN_WEIGHT_BASE = "llama-3.1-8b-instruct";
/** The host as the gateway reaches it (localhost: a name the outbound guard allows in tests). */
export const openWeightUrl = () => `${sim.origin().replace("127.0.0.1", "localhost")}/open-weight/v1`;
/** The host as the trainer reaches it. */
export const trainerHostUrl = () => `${sim.origin()}/open-weight/v1`;

/** Registers the open-weight host as the tenant's provider `name` (chat). */
export async function registerOpenWeight(tenantId: string, name = "open-weight"): Promise<void> {
  const res = await admin(`/tenants/${tenantId}/providers`, "POST", {
    name,
    base_url: openWeightUrl(),
    api_key: OPEN_WEIGHT_KEY,
    capabilities: ["chat"],
  });
  if (res.status !== 201) throw new Error(`provider: ${res.status} ${await res.text()}`);
}

/** The trainer's fetch: the gateway under test for its URLs, the network for the rest. */
export const trainerFetch: typeof fetch = (input, init) => {
  const url = input instanceof Request ? input.url : String(input);
  return url.startsWith(GATEWAY) ? exports.default.fetch(new Request(input, init)) : fetch(input, init);
};

export interface ExternalJob {
  id: string;
  status: string;
  callback_url: string;
  callback_secret: string;
  fine_tuned_model: string | null;
  bundle: { manifest_url: string; files: { name: string; url: string; sha256: string; bytes: number }[] };
  events: { message: string; type: string; data: Record<string, unknown> | null }[];
}

export async function startExternalJob(
  key: string,
  datasetId: string,
  body: Record<string, unknown> = {},
): Promise<ExternalJob> {
  const res = await gw(
    `/v1/datasets/${datasetId}/jobs`,
    jsonInit(
      "POST",
      { trainer: "external", model: OPEN_WEIGHT_BASE, provider: "open-weight", ...body },
      auth(key),
    ),
  );
  if (res.status !== 200) throw new Error(`job: ${res.status} ${await res.text()}`);
  return (await res.json()) as ExternalJob;
}

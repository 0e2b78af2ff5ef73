/**
 * The reference trainer's side of the external-training protocol (docs/training.md): download a
 * training bundle from its signed URL, check every file against the manifest's SHA-256, "train"
 * (load the examples as a LoRA adapter on an open-weight host, which then answers from them), and
 * report back with signed callbacks: `running`, `progress`, then `succeeded` with the student's
 * `{provider, model}` (or `failed`). Only `fetch` and WebCrypto: the CLI (`main.ts`) and the
 * workers tests run this same code.
 */
import { signWebhook } from "./standard-webhooks";

export interface ManifestFile {
  name: string;
  sha256: string;
  bytes: number;
}

export interface Manifest {
  format: string;
  job_id: string;
  method: "sft" | "dpo";
  base_model: string;
  hyperparameters: Record<string, unknown>;
  counts: { train: number; validation: number };
  files: ManifestFile[];
}

export interface TrainerOptions {
  /** The bundle's signed `manifest.json` URL (its query string opens every file of the bundle). */
  manifestUrl: string;
  callbackUrl: string;
  /** The job's `whsec_` callback secret, returned once when the job was created. */
  callbackSecret: string;
  /** The open-weight host the adapter is loaded on, with the trainer's own key for it. */
  host: { baseUrl: string; apiKey: string };
  /** The name the gateway's tenant registered that host under. */
  provider: string;
  fetch?: typeof fetch;
  log?: (line: string) => void;
}

async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A file's URL: the manifest's, with the file's name in its place (same signed query). */
export function fileUrl(manifestUrl: string, name: string): string {
  const url = new URL(manifestUrl);
  url.pathname = `${url.pathname.slice(0, url.pathname.lastIndexOf("/") + 1)}${encodeURIComponent(name)}`;
  return url.toString();
}

async function text(f: typeof fetch, url: string): Promise<string> {
  const res = await f(url);
  if (!res.ok) throw new Error(`GET ${new URL(url).pathname}: HTTP ${res.status} ${await res.text()}`);
  return res.text();
}

/** Downloads the manifest and every file it lists, refusing any whose SHA-256 differs. */
export async function downloadBundle(
  manifestUrl: string,
  f: typeof fetch = fetch,
): Promise<{ manifest: Manifest; files: Map<string, string> }> {
  const manifest = JSON.parse(await text(f, manifestUrl)) as Manifest;
  const files = new Map<string, string>();
  for (const file of manifest.files) {
    const content = await text(f, fileUrl(manifestUrl, file.name));
    const sum = await sha256Hex(content);
    if (sum !== file.sha256)
      throw new Error(`${file.name}: sha256 ${sum} does not match the manifest's ${file.sha256}`);
    files.set(file.name, content);
  }
  return { manifest, files };
}

/** Sends one signed callback; throws with the gateway's error when it is refused. */
export async function sendCallback(
  o: Pick<TrainerOptions, "callbackUrl" | "callbackSecret" | "fetch">,
  body: Record<string, unknown>,
): Promise<void> {
  const raw = JSON.stringify(body);
  const headers = await signWebhook(o.callbackSecret, `msg_${crypto.randomUUID()}`, raw);
  const res = await (o.fetch ?? fetch)(o.callbackUrl, {
    method: "POST",
    headers,
    body: raw,
  });
  if (!res.ok) throw new Error(`callback ${String(body.type)}: HTTP ${res.status} ${await res.text()}`);
}

/** SFT lines to train on: the bundle's, or for DPO the prompt with its chosen answer. */
function sftLines(manifest: Manifest, train: string): string {
  if (manifest.method === "sft") return train;
  return train
    .trim()
    .split("\n")
    .map((line) => {
      const pair = JSON.parse(line) as { prompt: unknown[]; chosen: unknown[] };
      return JSON.stringify({ messages: [...pair.prompt, ...pair.chosen] });
    })
    .join("\n");
}

/** Loads the adapter on the open-weight host (vLLM's `load_lora_adapter`); returns its model id. */
async function loadAdapter(o: TrainerOptions, manifest: Manifest, training: string): Promise<string> {
  const name = `${manifest.base_model}:lora-${manifest.job_id}`;
  const res = await (o.fetch ?? fetch)(`${o.host.baseUrl.replace(/\/+$/, "")}/load_lora_adapter`, {
    method: "POST",
    headers: { authorization: `Bearer ${o.host.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ lora_name: name, base_model: manifest.base_model, training_file: training }),
  });
  if (!res.ok) throw new Error(`load_lora_adapter: HTTP ${res.status} ${await res.text()}`);
  return name;
}

/** Runs the whole protocol for one job; a failure after the download is reported as `failed`. */
export async function runReferenceTrainer(o: TrainerOptions): Promise<{ model: string }> {
  const log = o.log ?? (() => {});
  const { manifest, files } = await downloadBundle(o.manifestUrl, o.fetch);
  log(`bundle ${manifest.job_id}: ${manifest.counts.train} training examples, checksums verified`);
  await sendCallback(o, { type: "running" });
  try {
    const train = files.get("train.jsonl") ?? "";
    const totalSteps = 3;
    for (let step = 1; step <= totalSteps; step++) {
      await sendCallback(o, { type: "progress", step, total_steps: totalSteps, train_loss: 1.5 / step });
    }
    const model = await loadAdapter(o, manifest, sftLines(manifest, train));
    await sendCallback(o, { type: "succeeded", provider: o.provider, model });
    log(`succeeded: ${o.provider}/${model}`);
    return { model };
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    await sendCallback(o, { type: "failed", error }).catch(() => {});
    throw err;
  }
}

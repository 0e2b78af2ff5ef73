import { inject } from "vitest";
import { gw, jsonInit } from "./gateway";

export const imageOrigin = inject("imageOrigin");
export const img = (name: string) => `${imageOrigin}/img/${name}`;
export const auth = (key: string) => ({ authorization: `Bearer ${key}` });

export interface Issue {
  path: string;
  code: string;
  message: string;
}

export interface VisionReport {
  valid: boolean;
  total: number;
  errors: { line: number; field: string; message: string }[];
  examples: {
    index: number;
    valid: boolean;
    errors: Issue[];
    warnings: Issue[];
    images: number;
    estimated_tokens: number;
    estimated_cost_usd: number | null;
  }[];
  summary: {
    profile: string;
    examples: number;
    valid_examples: number;
    invalid_examples: number;
    examples_with_images: number;
    images: number;
    unique_images: number;
    estimated_tokens: number;
    estimated_cost_usd: number | null;
    errors: Issue[];
  };
}

type Detail = "auto" | "low" | "high";

/** A user turn with a question and images, answered by the assistant. */
export function visionExample(urls: string[], detail?: Detail, answer = "a picture") {
  const parts = urls.map((url) => ({ type: "image_url", image_url: detail ? { url, detail } : { url } }));
  return {
    messages: [
      { role: "user", content: [{ type: "text", text: "What is in this image?" }, ...parts] },
      { role: "assistant", content: answer },
    ],
  };
}

/** A vision dataset; `validationRatio: 0` keeps every example in the train split. */
export async function createVisionDataset(
  key: string,
  validationRatio?: number,
  visionProfile?: string,
): Promise<string> {
  const body = {
    name: "vision",
    kind: "vision",
    validation_ratio: validationRatio,
    vision_profile: visionProfile,
  };
  const res = await gw("/v1/datasets", jsonInit("POST", body, auth(key)));
  if (res.status !== 200) throw new Error(`dataset: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

/** `profile`: the trainer whose rules apply (`?profile=`), else the dataset's. */
export async function validate(
  key: string,
  datasetId: string,
  examples: unknown[],
  profile?: string,
): Promise<VisionReport> {
  const query = profile ? `?profile=${profile}` : "";
  const res = await gw(
    `/v1/datasets/${datasetId}/validate${query}`,
    jsonInit("POST", { examples }, auth(key)),
  );
  if (res.status !== 200) throw new Error(`validate: ${res.status} ${await res.text()}`);
  return (await res.json()) as VisionReport;
}

/** The report of one example holding `urls`, padded with valid examples to the dataset minimum. */
export async function validateOne(
  key: string,
  datasetId: string,
  example: unknown,
): Promise<VisionReport["examples"][0]> {
  const report = await validate(key, datasetId, [example]);
  const first = report.examples[0];
  if (!first) throw new Error("no example report");
  return first;
}

export interface ValidationRun {
  id: string;
  object: "dataset.validation_run";
  status: "in_progress" | "completed" | "failed";
  progress: { images_total: number; images_checked: number; chunks: number };
  request_budget: number;
  max_chunk_operations: number;
  report: VisionReport | null;
  error: { code: string; message: string } | null;
}

/** Polls a background validation until it is no longer in progress. */
export async function finishedRun(key: string, datasetId: string, id: string): Promise<ValidationRun> {
  for (;;) {
    const res = await gw(`/v1/datasets/${datasetId}/validations/${id}`, { headers: auth(key) });
    if (res.status !== 200) throw new Error(`validation: ${res.status} ${await res.text()}`);
    const run = (await res.json()) as ValidationRun;
    if (run.status !== "in_progress") return run;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** How often the image server has served `url`. */
export async function hitsOf(url: string): Promise<number> {
  const res = await fetch(`${imageOrigin}/hits${new URL(url).pathname}`);
  return ((await res.json()) as { hits: number }).hits;
}

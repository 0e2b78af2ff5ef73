/** The run object of a background vision validation, as `GET /v1/datasets/:id/validations/:id` shows it. */
import type { VisionReport } from "./report";
import type { RunMeta } from "./run-store";

export interface ValidationRun {
  id: string;
  object: "dataset.validation_run";
  dataset_id: string;
  source: RunMeta["source"];
  split: RunMeta["split"] | null;
  status: RunMeta["status"];
  created_at: number;
  completed_at: number | null;
  progress: { images_total: number; images_checked: number; chunks: number };
  request_budget: number;
  max_chunk_operations: number;
  report: VisionReport | null;
  error: RunMeta["error"];
}

export function runJson(meta: RunMeta, report: string | null): ValidationRun {
  return {
    id: meta.id,
    object: "dataset.validation_run",
    dataset_id: meta.datasetId,
    source: meta.source,
    split: meta.source === "dataset" ? meta.split : null,
    status: meta.status,
    created_at: meta.createdAt,
    completed_at: meta.completedAt,
    progress: { images_total: meta.imagesTotal, images_checked: meta.imagesChecked, chunks: meta.chunks },
    request_budget: meta.budget,
    max_chunk_operations: meta.maxChunkOperations,
    report: report === null ? null : (JSON.parse(report) as VisionReport),
    error: meta.error,
  };
}

/** Vision fine-tuning datasets: image checks, the content-addressed image store, export and signed image URLs. */
export { InvalidDatasetError, visionExportStream } from "./export";
export { visionValidation } from "./report";
export { images } from "./routes";
export { invalidVisionDatasetResponse } from "./schemas";
export { type VisionLimits, visionLimits } from "./settings";

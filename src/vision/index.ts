/**
 * Vision fine-tuning datasets: image checks (in the background when over the request budget), the
 * content-addressed image store and check cache, export and signed image URLs.
 */
export { InvalidDatasetError, visionExportStream } from "./export";
export { visionValidation } from "./report";
export { images } from "./routes";
export { invalidVisionDatasetResponse } from "./schemas";
export { type VisionLimits, visionLimits } from "./settings";
export { ValidationRunSchema, validationRuns } from "./validation-routes";

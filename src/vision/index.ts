/**
 * Vision fine-tuning datasets: image checks (in the background when over the request budget), the
 * content-addressed image store and check cache, export and signed image URLs.
 */

export { ValidationRunSchema } from "../datasets/schemas";
export { InvalidDatasetError, visionExportStream } from "./export";
export { visionValidation } from "./report";
export { invalidVisionDatasetResponse } from "./responses";
export { images } from "./routes";
export { type VisionLimits, visionLimits } from "./settings";
export { validationRuns } from "./validation-routes";

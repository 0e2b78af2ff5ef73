/** Distillation data: captured traffic (stored completions, feedback) and curated datasets. */
import { createApp } from "../platform/openapi";
import { validationRuns } from "../vision";
import { exampleRoutes } from "./example-routes";
import { datasetRoutes } from "./routes";

export { captureHook } from "./capture";
export { storedCompletions } from "./completions-routes";
export { datasetHooks } from "./hooks";

/** `/v1/datasets`. */
export const datasets = createApp();
datasets.route("/", datasetRoutes);
datasets.route("/", exampleRoutes);
datasets.route("/", validationRuns);

/** Distillation data: captured traffic (stored completions, feedback) and curated datasets. */
import "./routes";
import "./example-routes";

export { captureHook } from "./capture";
export { storedCompletions } from "./completions-routes";
export { datasetHooks } from "./hooks";
export { datasets } from "./router";

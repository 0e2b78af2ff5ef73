/** Fine-tuning: jobs started from datasets, the provider's webhooks, the cron poll and SDK pass-through. */
export { passthrough as fineTuningPassthrough } from "./passthrough";
export { pollUnfinishedJobs } from "./refresh";
export { datasetJobs, openaiHooks } from "./routes";

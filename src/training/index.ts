/** Training jobs with a trainer chosen per job (`openai` or `external`): docs/training.md. */
export { datasetTrainingJobs, trainingJobs } from "./routes";

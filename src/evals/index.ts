/** Evaluations of models on dataset validation splits. */
export { datasetEvals, evals, mustGetEval } from "./routes";

export { withResponseOwnership } from "./ownership";
export { responsesApi } from "./routes";

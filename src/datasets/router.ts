/** The `/v1/datasets` router: `routes.ts` (datasets) and `example-routes.ts` (examples) add to it. */
import { routeKit } from "../platform/route-kit";

export const { router: datasets, add, resourceRoute } = routeKit({ tags: ["Datasets"] });

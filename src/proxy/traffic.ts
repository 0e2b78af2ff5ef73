import { record } from "../cache/accounting";
import { factory } from "../platform/factory";

/**
 * Counts a model call in the tenant's traffic series once it is answered: every status (validation,
 * rate limit, upstream), with status >= 400 also counted as an error. Runs after authentication,
 * so only calls of a known tenant are counted.
 */
export const countModelCall = factory.createMiddleware(async (c, next) => {
  await next();
  if (c.req.method !== "POST") return;
  record(c, { requests: 1, errors: c.res.status >= 400 ? 1 : 0 });
});

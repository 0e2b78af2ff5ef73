import { record } from "../cache/accounting";
import { afterResponse } from "../platform/after-response";
import { factory } from "../platform/factory";

/**
 * Counts a model call in the tenant's traffic series once it is answered: every status (validation,
 * rate limit, upstream), with status >= 400 also counted as an error. Runs after authentication,
 * so only calls of a known tenant are counted. Counted after the answer is sent.
 */
export const countModelCall = factory.createMiddleware(async (c, next) => {
  await next();
  if (c.req.method !== "POST") return;
  const errors = c.res.status >= 400 ? 1 : 0;
  afterResponse(c, "the traffic count", () => record(c, { requests: 1, errors }));
});

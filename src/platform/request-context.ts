import { afterResponse } from "./after-response";
import { factory } from "./factory";
import { log, logEnabled } from "./log";

const INCOMING_ID = /^[\w.:-]{1,128}$/;

/**
 * Gives every request an id (an incoming `X-Request-Id` is kept when it is sane), echoes it on the
 * response, and writes one JSON access-log line (after the response is sent): tenant, route, status,
 * latency, cache status.
 */
export const requestContext = factory.createMiddleware(async (c, next) => {
  const started = performance.now();
  const incoming = c.req.header("x-request-id");
  const requestId =
    incoming && INCOMING_ID.test(incoming) ? incoming : `req_${crypto.randomUUID().replaceAll("-", "")}`;
  c.set("requestId", requestId);
  await next();
  c.res.headers.set("X-Request-Id", requestId);
  if (!logEnabled(c.env, "info")) return;
  const principal = c.get("principal");
  const line = {
    request_id: requestId,
    method: c.req.method,
    route: c.req.routePath,
    path: c.req.path,
    status: c.res.status,
    latency_ms: Math.round((performance.now() - started) * 100) / 100,
    tenant: principal?.tenant.id,
    user: principal?.userId,
    cache: c.get("cacheStatus"),
  };
  afterResponse(c, "the access log", () => log(c.env, "info", "request", line));
});

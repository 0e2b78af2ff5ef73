import { createRoute, z } from "@hono/zod-openapi";
import { admin } from "./admin";
import { aliasAdmin } from "./aliases";
import { cacheAdmin } from "./cache/admin";
import { datasetHooks, datasets, storedCompletions } from "./datasets";
import { captureAdmin } from "./datasets/dead-letter-routes";
import { datasetEvals, evals } from "./evals";
import { datasetJobs, fineTuningPassthrough, openaiHooks } from "./finetune";
import { auth } from "./identity";
import { authorize, documentAccess } from "./identity/route-access";
import { bodyLimit } from "./platform/body";
import { DOCS_PAGE_HEADERS, renderDocsPage } from "./platform/docs";
import { GatewayError, handleError, unknownRoute } from "./platform/errors";
import { createApp } from "./platform/openapi";
import { requestContext } from "./platform/request-context";
import { providerAdmin } from "./providers";
import { proxy } from "./proxy";
import { realtime, realtimeAdmin } from "./realtime";
import { responsesApi } from "./responses";
import { storageAdmin } from "./storage/routes";
import { datasetTrainingJobs, trainingJobs } from "./training";
import { VERSION } from "./version";
import { images, validationRuns } from "./vision";

/** The gateway: middleware first, then the table of mounts. */
export const app = createApp();

app.use("*", requestContext);
// Who may call each route is declared in src/identity/route-access.ts and checked here, before any
// body is read (an anonymous upload is refused without buffering it).
app.use("*", authorize);
app.use("*", bodyLimit);
app.route("/v1/images", images);

app.route("/v1", proxy);
app.route("/v1", responsesApi);
app.route("/v1", storedCompletions);
app.route("/v1/datasets", datasets);
app.route("/v1/datasets", validationRuns);
app.route("/hooks", datasetHooks);
app.route("/v1", fineTuningPassthrough);
app.route("/v1/datasets", datasetJobs);
app.route("/hooks", openaiHooks);
app.route("/v1/datasets", datasetTrainingJobs);
app.route("/v1/training_jobs", trainingJobs);
app.route("/v1/datasets", datasetEvals);
app.route("/v1/evals", evals);
app.route("/v1/auth", auth);
app.route("/admin", admin);
app.route("/admin", cacheAdmin);
app.route("/admin", aliasAdmin);
app.route("/admin", captureAdmin);
app.route("/admin", providerAdmin);
app.route("/v1/realtime", realtime);
app.route("/admin", realtimeAdmin);
app.route("/admin", storageAdmin);

app.openapi(
  createRoute({
    method: "get",
    path: "/",
    tags: ["Platform"],
    summary: "Redirects to the web console (static files in public/console, served by Workers assets)",
    responses: { 302: { description: "To `/console/`" } },
  }),
  (c) => c.redirect("/console/", 302),
);

app.openapi(
  createRoute({
    method: "get",
    path: "/healthz",
    tags: ["Platform"],
    summary: "Liveness",
    responses: {
      200: {
        description: "The gateway is up",
        content: { "application/json": { schema: z.object({ ok: z.boolean(), version: z.string() }) } },
      },
    },
  }),
  (c) => c.json({ ok: true, version: VERSION }, 200),
);

app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
  type: "http",
  scheme: "bearer",
  description:
    "An Edgegate API key (`egk_…`) or an end-user token. The role names an operation lists are the key scopes it needs (see docs/security.md); `x-edgegate-access` says whether end-user tokens may call it.",
});
app.openAPIRegistry.registerComponent("securitySchemes", "adminToken", {
  type: "http",
  scheme: "bearer",
  description:
    "The gateway's ADMIN_TOKEN. On `/admin/tenants/{id}/…` and `/admin/whoami`, a console key of that tenant is accepted too. On `/v1`, ADMIN_TOKEN with `X-Edgegate-Tenant: <tenant id>` acts as that tenant.",
});
app.openAPIRegistry.registerComponent("securitySchemes", "consoleKey", {
  type: "http",
  scheme: "bearer",
  description:
    'An Edgegate API key created with `"console": true`: the web console and `/admin/tenants/{id}/…` of its own tenant.',
});

const documentConfig = {
  openapi: "3.1.0",
  info: {
    title: "Edgegate",
    version: VERSION,
    description:
      "An OpenAI-compatible AI gateway on Cloudflare Workers. Point the official OpenAI SDK's baseURL at /v1 and use an Edgegate key.",
  },
};
/** The API document, with each operation's declared access (src/identity/route-access.ts). */
function openApiDocument() {
  const doc = app.getOpenAPI31Document(documentConfig);
  documentAccess(doc.paths as Record<string, Record<string, unknown>> | undefined);
  return doc;
}
app.get("/openapi.json", (c) => c.json(openApiDocument()));
app.get("/docs", (c) => c.html(renderDocsPage(openApiDocument()), 200, { ...DOCS_PAGE_HEADERS }));

/** Paths that exist with other methods answer 405 with `Allow`, everything else 404. */
app.notFound((c) => {
  const path = new URL(c.req.url).pathname;
  const allowed = new Set<string>();
  for (const route of app.routes) {
    if (route.method === "ALL" || route.method === c.req.method) continue;
    const pattern = new RegExp(`^${route.path.replace(/:[^/]+/g, "[^/]+").replace(/\*/g, ".*")}$`);
    if (pattern.test(path)) allowed.add(route.method);
  }
  if (allowed.size === 0) return unknownRoute(c);
  const allow = [...allowed].sort().join(", ");
  throw new GatewayError(405, `Method ${c.req.method} is not allowed on ${path}. Allowed: ${allow}.`, {
    code: "method_not_allowed",
    headers: { allow },
  });
});
app.onError(handleError);

/**
 * The pieces every router is built from, so a route file holds only what is particular to its routes:
 * a router with its defaults ({@link routeKit}) and the JSON request body ({@link jsonBody}). The list
 * shapes are in ./lists.ts, which schema modules import without the Workers runtime.
 *
 * Authorization is not declared here: `security` and `x-edgegate-access` of every operation are
 * written into the document from `ROUTE_ACCESS` (src/identity/route-access.ts), the one table the
 * `authorize` middleware enforces, so a route cannot document one rule and be guarded by another.
 */
import { createRoute, type OpenAPIHono, type RouteConfig, type z } from "@hono/zod-openapi";
import type { AppEnv } from "./env";
import { createApp } from "./openapi";

/** What every route of one router shares. */
export interface RouterDefaults {
  /** The OpenAPI tags (the section of /docs the routes are listed under). */
  tags: string[];
}

/**
 * A router (an OpenAPI sub-app whose validation errors are OpenAI-shaped) and its `route()`, which is
 * `createRoute` with the router's defaults filled in.
 */
export function routeKit(defaults: RouterDefaults): {
  router: OpenAPIHono<AppEnv>;
  route: <P extends string, R extends Omit<RouteConfig, "path"> & { path: P }>(
    config: R,
  ) => ReturnType<typeof createRoute<P, R>>;
} {
  return {
    router: createApp(),
    route: (config) => createRoute({ ...config, tags: defaults.tags } as typeof config),
  };
}

type BodySchema = z.ZodType | { type: "object" } | { $ref: string };

/** A required JSON request body of `schema`. */
export function jsonBody<T extends BodySchema>(schema: T, description?: string) {
  return {
    required: true as const,
    ...(description === undefined ? {} : { description }),
    content: { "application/json": { schema } },
  };
}

export { listSchema, pageOf, pageSchema } from "./lists";

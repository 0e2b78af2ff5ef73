/**
 * The pieces every router is built from, so a route file holds only what is particular to its routes:
 * a router with its defaults ({@link routeKit}), the JSON request body ({@link jsonBody}), and the
 * list shapes ({@link listSchema}, {@link pageSchema}, {@link pageOf}).
 *
 * Authorization is not declared here: `security` and `x-edgegate-access` of every operation are
 * written into the document from `ROUTE_ACCESS` (src/identity/route-access.ts), the one table the
 * `authorize` middleware enforces, so a route cannot document one rule and be guarded by another.
 */
import { createRoute, type OpenAPIHono, type RouteConfig, z } from "@hono/zod-openapi";
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

/** `{object: "list", data}`: a list that is returned whole. */
export function listSchema<T extends z.ZodType>(item: T) {
  return z.object({ object: z.literal("list"), data: z.array(item) });
}

/**
 * OpenAI's list page: `{object: "list", data, first_id, last_id, has_more}`, paged with `after`.
 * @see https://platform.openai.com/docs/api-reference/chat/list
 */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    object: z.literal("list"),
    data: z.array(item),
    first_id: z.string().openapi({ description: "The first item's id; an empty string on an empty page." }),
    last_id: z.string().openapi({ description: "The last item's id; an empty string on an empty page." }),
    has_more: z.boolean(),
  });
}

/**
 * The page body of {@link pageSchema} from the `data` items and whether more follow. OpenAI's spec
 * types `first_id` and `last_id` as strings, so an empty page has `""` in both rather than `null`.
 */
export function pageOf<T extends { id: unknown }>(data: T[], hasMore: boolean) {
  return {
    object: "list" as const,
    data,
    first_id: data.length > 0 ? String(data[0]?.id) : "",
    last_id: data.length > 0 ? String(data.at(-1)?.id) : "",
    has_more: hasMore,
  };
}

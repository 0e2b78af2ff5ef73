/**
 * The pieces every router is built from, so a route file holds only what is particular to its routes:
 * a router with its defaults ({@link routeKit}), its routes, each handed its validated request parts
 * (`add`), routes on one owned resource ({@link OwnedResource}: path parameters, lookup and 404
 * declared once per resource) and the JSON request body ({@link jsonBody}). The list shapes are in
 * ./lists.ts, which schema modules import without the Workers runtime.
 *
 * Authorization is not declared here: `security` and `x-edgegate-access` of every operation are
 * written into the document from `ROUTE_ACCESS` (src/identity/route-access.ts), the one table the
 * `authorize` middleware enforces, so a route cannot document one rule and be guarded by another.
 */
import {
  createRoute,
  type OpenAPIHono,
  type RouteConfig,
  type RouteHandler,
  type z,
} from "@hono/zod-openapi";
import type { Context, HonoRequest } from "hono";
import { readJson, readText } from "./body";
import type { AppEnv } from "./env";
import { notJsonError } from "./errors";
import { createApp, validationError } from "./openapi";

/** What every route of one router shares. */
export interface RouterDefaults {
  /** The OpenAPI tags (the section of /docs the routes are listed under). */
  tags: string[];
}

/**
 * A resource addressed by path parameters and read only when the caller may see it: the `params`
 * schema of every route on it and `load`, which reads it or throws the resource's 404 (a missing row
 * and another owner's answer alike, see ./owned-repository.ts).
 */
export interface OwnedResource<Params extends z.ZodObject, Row> {
  params: Params;
  load: (c: Context<AppEnv>, params: z.infer<Params>) => Promise<Row>;
}

/** A route's config without its path parameters, which its {@link OwnedResource} supplies. */
type ResourceRouteConfig<P extends string> = Omit<RouteConfig, "path" | "request"> & {
  path: P;
  request?: Omit<NonNullable<RouteConfig["request"]>, "params">;
};

/** The route {@link routeKit}'s `resourceRoute` declares: `config` with the resource's params. */
type ResourceRoute<Params extends z.ZodObject, C> = Omit<C, "request"> & {
  request: (C extends { request: infer Q extends object } ? Q : object) & { params: Params };
};

/** The context a handler of `Route` is given, typed from its config. */
type RouteContext<Route extends RouteConfig> = Parameters<RouteHandler<Route, AppEnv>>[0];

/**
 * The request parts `Route` validates, as its handler is handed them: `param`, `query`, `header`,
 * `cookie`, `json` or `form`, each present when the route declares it (the values of
 * `c.req.valid(…)`).
 */
export type ValidInput<Route extends RouteConfig> =
  RouteContext<Route>["req"] extends HonoRequest<string, infer Valid> ? Valid : never;

/** A handler of `add`: the route's typed context and its validated request parts. */
export type InputHandler<Route> = Route extends RouteConfig
  ? (c: RouteContext<Route>, input: ValidInput<Route>) => ReturnType<RouteHandler<Route, AppEnv>>
  : never;

/** A handler of `resourceRoute`: the route's typed context, the row its path names, its validated parts. */
export type ResourceHandler<Route, Row> = Route extends RouteConfig
  ? (c: RouteContext<Route>, row: Row, input: ValidInput<Route>) => ReturnType<RouteHandler<Route, AppEnv>>
  : never;

const TARGETS = ["param", "query", "header", "cookie", "json", "form"] as const;

/** What the route's validators stored, by target (the targets it does not validate are absent). */
function validInput(c: Context<AppEnv>): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const target of TARGETS) {
    const value: unknown = c.req.valid(target as never);
    if (value !== undefined) input[target] = value;
  }
  return input;
}

/**
 * A router (an OpenAPI sub-app whose validation errors are OpenAI-shaped) and the ways to add to it:
 * `add(config, (c, input) => …)` declares a route with the router's defaults and hands its handler
 * the validated request parts (`{ param, query, json, … }`, typed from `config`);
 * `resourceRoute(resource, config, (c, row, input) => …)` adds a route on one {@link OwnedResource}:
 * its path parameters are the resource's, the resource is loaded (or the request answered 404)
 * before the handler runs, and the handler is given it. `jsonRoute(config, schema, (c, { json }) => …)`
 * is `add` for a hot `POST` whose only request part is a JSON body: documented the same, the body
 * checked in the handler in one step (no validator middleware). `route()` is `createRoute` with the
 * router's defaults, for a router that registers its routes itself.
 */
export function routeKit(defaults: RouterDefaults): {
  router: OpenAPIHono<AppEnv>;
  route: <P extends string, R extends Omit<RouteConfig, "path"> & { path: P }>(
    config: R,
  ) => ReturnType<typeof createRoute<P, R>>;
  add: <P extends string, R extends Omit<RouteConfig, "path"> & { path: P }>(
    config: R,
    handler: InputHandler<R>,
  ) => void;
  resourceRoute: <Params extends z.ZodObject, Row, P extends string, C extends ResourceRouteConfig<P>>(
    resource: OwnedResource<Params, Row>,
    config: C,
    handler: ResourceHandler<ResourceRoute<Params, C>, Row>,
  ) => void;
  jsonRoute: <T extends z.ZodType>(
    config: JsonRouteConfig,
    schema: T,
    handler: (c: Context<AppEnv>, input: { json: z.output<T> }) => Promise<Response>,
  ) => void;
} {
  const router = createApp();
  const route = <R extends RouteConfig>(config: R) => createRoute({ ...config, tags: defaults.tags });
  // The route's types are checked where it is declared (`handler` against `config`); here the
  // handler is only handed what it was typed for.
  const register = (config: RouteConfig, handle: (c: Context<AppEnv>) => unknown) =>
    router.openapi(route(config), handle as never);
  return {
    router,
    route,
    add: (config, handler) => register(config, (c) => handler(c as never, validInput(c) as never)),
    resourceRoute: (resource, config, handler) =>
      register({ ...config, request: { params: resource.params, ...config.request } }, async (c) =>
        handler(c as never, await resource.load(c, c.req.valid("param" as never)), validInput(c) as never),
      ),
    jsonRoute: (config, schema, handler) => {
      if (config.path.includes("{")) throw new Error(`jsonRoute takes no path parameters: ${config.path}`);
      router.openAPIRegistry.registerPath(route({ ...config, request: { body: jsonBody(schema) } }));
      router.on(config.method.toUpperCase(), config.path, async (c) =>
        handler(c, { json: await validJsonBody(c, schema) }),
      );
    },
  };
}

/**
 * A {@link routeKit} `jsonRoute`'s config: a route whose only request part is its JSON body, with no
 * path parameters, middleware or `hide` (it is registered with the router directly, which would not
 * apply them).
 */
export type JsonRouteConfig = Omit<RouteConfig, "request" | "method" | "middleware" | "hide"> & {
  method: "post";
};

/** `Content-Type` values a JSON body may be sent with (as zod-openapi's media-type gate has them). */
const JSON_REQUEST_TYPE = /^application\/([a-z-.]+\+)?json(;\s*[a-zA-Z0-9-]+=([^;]+))*$/i;

/**
 * The request's JSON body checked against `schema` the way `add`'s validators check it, in one step
 * (the hot model calls use it): another media type, or a body without one, answers 415; a body that
 * does not parse, 400 `invalid_json`; one that does not match, 400 naming the field. The text is the
 * one `bodyLimit` read for its depth check.
 */
async function validJsonBody<T extends z.ZodType>(c: Context<AppEnv>, schema: T): Promise<z.output<T>> {
  const type = c.req.raw.headers.get("content-type");
  let value: unknown = {};
  if (type !== null) {
    if (!JSON_REQUEST_TYPE.test(type)) throw notJsonError();
    value = await readJson(c);
  } else if (c.req.raw.body !== null && (await readText(c)).length > 0) throw notJsonError();
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw validationError(parsed.error.issues);
  return parsed.data;
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

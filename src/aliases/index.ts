/** Model aliases: canary routing on the request path and their admin API. */
export { aliasAdmin } from "./admin";
export { type ModelRoute, resolveAlias, routeHeader } from "./route";

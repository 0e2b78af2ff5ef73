import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "./env";
import { GatewayError } from "./errors";

type Issue = z.core.$ZodIssue;

/** `messages[0].content` style path of a validation issue. */
export function issuePath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

/** A 400 in OpenAI's shape that names the first invalid field and what it expected. */
export function validationError(issues: readonly Issue[], where = "request body"): GatewayError {
  const first = issues[0];
  if (!first) return new GatewayError(400, `Invalid ${where}.`);
  const param = issuePath(first.path);
  const more =
    issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? "s" : ""})` : "";
  const message = param
    ? `Invalid value for '${param}' in the ${where}: ${first.message}${more}.`
    : `Invalid ${where}: ${first.message}${more}.`;
  return new GatewayError(400, message, { param: param || null, code: "invalid_value" });
}

/** A sub-app whose validators throw OpenAI-shaped errors instead of returning zod internals. */
export function createApp(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const target = "target" in result ? String(result.target) : "json";
        throw validationError(
          result.error.issues,
          target === "json" ? "request body" : `${target} parameters`,
        );
      }
    },
  });
}

/** The OpenAI error body as an OpenAPI schema, for every documented error response. */
export const ErrorSchema = z
  .object({
    error: z.object({
      message: z.string(),
      type: z.string(),
      param: z.string().nullable(),
      code: z.string().nullable(),
    }),
  })
  .openapi("Error");

/** A JSON response of `schema` (an OpenAPI response object). */
export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

/** A route's responses: 200 with `schema`, and the OpenAI-shaped errors. */
export const ok = <T extends z.ZodType>(schema: T, description: string) => ({
  200: jsonResponse(schema, description),
  ...errorResponses,
});

/** A route's responses: 201 with `schema` (the created resource), and the OpenAI-shaped errors. */
export const created = <T extends z.ZodType>(schema: T, description: string) => ({
  201: jsonResponse(schema, description),
  ...errorResponses,
});

/** {@link ok}, and 409 when the request conflicts with the resource's state. */
export const okOrConflict = <T extends z.ZodType>(schema: T, description: string) => ({
  ...ok(schema, description),
  409: errorResponses[400],
});

export const errorResponses = {
  400: { description: "Invalid request", content: { "application/json": { schema: ErrorSchema } } },
  401: {
    description: "Missing or invalid credentials",
    content: { "application/json": { schema: ErrorSchema } },
  },
  404: { description: "Not found", content: { "application/json": { schema: ErrorSchema } } },
} as const;

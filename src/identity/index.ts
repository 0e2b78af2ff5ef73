import { z } from "@hono/zod-openapi";
import { created } from "../platform/openapi";
import { jsonBody, routeKit } from "../platform/route-kit";
import { enforceRateLimit } from "../ratelimit";
import { mintUserToken, USER_TOKEN_DEFAULT_TTL_SECONDS, USER_TOKEN_MAX_TTL_SECONDS } from "./user-tokens";

const UserTokenRequestSchema = z
  .strictObject({
    user: z.string().min(1).max(256).openapi({ description: "Your identifier for the end user." }),
    ttl_seconds: z
      .number()
      .int()
      .min(60)
      .max(USER_TOKEN_MAX_TTL_SECONDS)
      .optional()
      .openapi({ description: `Lifetime; default ${USER_TOKEN_DEFAULT_TTL_SECONDS}.` }),
  })
  .openapi("UserTokenRequest");

const UserTokenSchema = z
  .object({
    object: z.literal("user_token"),
    token: z.string(),
    user: z.string(),
    expires_at: z.number().int().openapi({ description: "Unix seconds." }),
  })
  .openapi("UserToken");

/** `/v1/auth`: short-lived tokens for one end user, for phones and browsers that must not hold a key. */
const { router: auth, add } = routeKit({ tags: ["Identity"] });

export { auth };

add(
  {
    method: "post",
    path: "/user_tokens",
    summary: "Mint a short-lived token for one end user",
    description:
      "The token authenticates as `Authorization: Bearer <token>`, or for WebSockets in the subprotocol slot `openai-insecure-api-key.<token>`. Revoking the API key that minted it ends it.",
    request: { body: jsonBody(UserTokenRequestSchema) },
    responses: created(UserTokenSchema, "The token"),
  },
  async (c, { json: { user, ttl_seconds } }) => {
    // Only API keys with the `user_tokens` scope reach this (src/identity/route-access.ts).
    const principal = c.get("principal");
    await enforceRateLimit(c.env, principal, null);
    const { token, expiresAt } = await mintUserToken(
      c.env.TOKEN_SECRET,
      { tenantId: principal.tenant.id, keyId: principal.keyId, userId: user },
      ttl_seconds ?? USER_TOKEN_DEFAULT_TTL_SECONDS,
    );
    return c.json({ object: "user_token" as const, token, user, expires_at: expiresAt }, 201);
  },
);

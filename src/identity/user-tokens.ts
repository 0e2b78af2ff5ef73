import { sign, verify } from "hono/jwt";
import { JwtTokenExpired } from "hono/utils/jwt/types";
import { GatewayError } from "../platform/errors";

const AUDIENCE = "edgegate:user";
export const USER_TOKEN_DEFAULT_TTL_SECONDS = 900;
export const USER_TOKEN_MAX_TTL_SECONDS = 86_400;
const CLOCK_SKEW_SECONDS = 60;

export interface UserTokenClaims {
  tenantId: string;
  keyId: string;
  userId: string;
}

function secretOf(secret: string | undefined): string {
  if (!secret) {
    throw new GatewayError(503, "End-user tokens are disabled: set the TOKEN_SECRET secret on the gateway.", {
      type: "server_error",
      code: "token_secret_missing",
    });
  }
  return secret;
}

/**
 * Mints a short-lived HS256 token for one end user of a tenant. It names the key it was minted
 * with, so revoking that key also ends its tokens.
 */
export async function mintUserToken(
  secret: string | undefined,
  claims: UserTokenClaims,
  ttlSeconds: number,
): Promise<{ token: string; expiresAt: number }> {
  const now = Math.floor(Date.now() / 1000);
  const expiresAt = now + ttlSeconds;
  const token = await sign(
    { sub: claims.userId, ten: claims.tenantId, kid: claims.keyId, aud: AUDIENCE, iat: now, exp: expiresAt },
    secretOf(secret),
    "HS256",
  );
  return { token, expiresAt };
}

export async function verifyUserToken(secret: string | undefined, token: string): Promise<UserTokenClaims> {
  let payload: Record<string, unknown>;
  try {
    payload = await verify(token, secretOf(secret), { alg: "HS256", aud: AUDIENCE });
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    const expired = err instanceof JwtTokenExpired;
    throw new GatewayError(
      401,
      expired
        ? "The end-user token has expired: mint a new one with POST /v1/auth/user_tokens."
        : "Invalid credentials: pass an Edgegate API key (egk_…) or an end-user token from POST /v1/auth/user_tokens.",
      { code: expired ? "token_expired" : "invalid_api_key" },
    );
  }
  const { sub, ten, kid, exp, iat } = payload;
  if (typeof sub !== "string" || typeof ten !== "string" || typeof kid !== "string") {
    throw new GatewayError(401, "The end-user token is missing its user, tenant or key claim.", {
      code: "invalid_api_key",
    });
  }
  // A token must end: one signed without `exp` (or with a lifetime past the cap, e.g. by a tool that
  // holds TOKEN_SECRET) is refused, so a leaked token is never good forever.
  const now = Math.floor(Date.now() / 1000);
  const issued = typeof iat === "number" ? Math.min(iat, now) : now;
  if (typeof exp !== "number" || exp - issued > USER_TOKEN_MAX_TTL_SECONDS + CLOCK_SKEW_SECONDS) {
    throw new GatewayError(
      401,
      `The end-user token must expire within ${USER_TOKEN_MAX_TTL_SECONDS} seconds of being issued: mint one with POST /v1/auth/user_tokens.`,
      { code: "invalid_api_key" },
    );
  }
  return { userId: sub, tenantId: ten, keyId: kid };
}

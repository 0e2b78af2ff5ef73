import { z } from "@hono/zod-openapi";
import { SCOPE_DESCRIPTIONS, SCOPES } from "../identity/scopes";
import { TenantSettingsSchema } from "../identity/settings";

const scopeTable = SCOPES.map((s) => `- \`${s}\`: ${SCOPE_DESCRIPTIONS[s]}`).join("\n");
const ScopeSchema = z
  .enum(SCOPES)
  .openapi("ApiKeyScope", { description: `A scope of an API key:\n${scopeTable}` });

export const TenantIdParams = z.object({
  id: z.string().min(1),
});

export const TenantSchema = z
  .object({
    object: z.literal("tenant"),
    id: z.string(),
    name: z.string(),
    settings: TenantSettingsSchema,
    created_at: z.number().int(),
  })
  .openapi("Tenant");

export const CreateTenantSchema = z
  .strictObject({ name: z.string().min(1).max(200), settings: TenantSettingsSchema.optional() })
  .openapi("CreateTenantRequest");

export const UpdateTenantSchema = z
  .strictObject({
    name: z.string().min(1).max(200).optional(),
    settings: z
      .record(z.string(), z.unknown())
      .optional()
      .openapi({ description: "A JSON Merge Patch (RFC 7396) of the settings: `null` removes a key." }),
  })
  .openapi("UpdateTenantRequest");

export const ApiKeySchema = z
  .object({
    object: z.literal("api_key"),
    id: z.string(),
    tenant_id: z.string(),
    name: z.string(),
    prefix: z.string().openapi({ description: "The first characters of the key, to recognise it." }),
    console: z.boolean().openapi({
      description: "May open the web console and the admin routes of its own tenant (the `admin` scope).",
    }),
    scopes: z.array(ScopeSchema).openapi({ description: "What the key may do." }),
    created_at: z.number().int(),
    revoked_at: z.number().int().nullable(),
  })
  .openapi("ApiKey");

export const CreatedApiKeySchema = ApiKeySchema.extend({
  key: z
    .string()
    .openapi({ description: "The secret (`egk_…`). Shown once; only its SHA-256 hash is stored." }),
}).openapi("CreatedApiKey");

export const CreateKeySchema = z
  .strictObject({
    name: z.string().min(1).max(200),
    console: z.boolean().default(false).openapi({
      description:
        "Let this key open the web console and call `/admin/tenants/{id}/…` for its own tenant (adds the `admin` scope). Default false.",
    }),
    scopes: z.array(ScopeSchema).min(1).optional().openapi({
      description:
        "What the key may do, like OpenAI's restricted keys. Omitted: every scope but `admin` (the full tenant scope keys had before scopes existed). A backend that only mints end-user tokens needs `user_tokens`; a server that only calls models needs `inference`.",
    }),
  })
  .openapi("CreateKeyRequest");

export const TenantKeyParams = TenantIdParams.extend({
  key_id: z.string().min(1),
});

export const PrincipalSchema = z
  .discriminatedUnion("kind", [
    z.object({ object: z.literal("principal"), kind: z.literal("admin") }),
    z.object({
      object: z.literal("principal"),
      kind: z.literal("tenant"),
      tenant: z.object({ id: z.string(), name: z.string() }),
      key: z.object({ id: z.string(), name: z.string(), prefix: z.string() }),
      operator_settings: z.array(z.string()).openapi({
        description:
          "Settings paths only ADMIN_TOKEN may change (e.g. `settings.rate_limits`); 403 for this key.",
      }),
    }),
  ])
  .openapi("Principal");

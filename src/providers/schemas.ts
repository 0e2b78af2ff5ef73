/** Request and response schemas of `/admin/tenants/{id}/providers` (they also generate the OpenAPI document). */
import { z } from "@hono/zod-openapi";
import { TenantIdParams } from "../admin/schemas";
import { listSchema } from "../platform/lists";

/** A provider name: the prefix of `name/model`. */
export const PROVIDER_NAME = /^[a-z0-9][a-z0-9_-]{0,39}$/;
export const MAX_PROVIDERS_PER_TENANT = 20;
const MAX_MODELS = 200;

export const ProviderParams = TenantIdParams.extend({
  name: z.string().regex(PROVIDER_NAME, "a provider name is 1-40 lowercase letters, digits, '_' or '-'"),
});

const CapabilitySchema = z.enum(["chat", "embeddings", "fine_tuning"]);
const ModelIdSchema = z.string().min(1).max(256).regex(/^\S+$/, "a model id has no spaces");

const fields = {
  base_url: z
    .url({ protocol: /^https?$/ })
    .max(2048)
    .openapi({
      description:
        "The provider's OpenAI-compatible base URL, ending where `/chat/completions` is appended (e.g. `https://api.together.xyz/v1`). Checked by the outbound-URL guard when saved.",
    }),
  api_key: z.string().min(1).max(4096).openapi({
    description: "The provider's API key. Stored encrypted; never returned (responses show `api_key_hint`).",
  }),
  models: z.array(ModelIdSchema).max(MAX_MODELS).openapi({
    description:
      "Model ids this provider serves that may also be named without the `name/` prefix. Any model can always be named as `name/model-id`.",
  }),
  capabilities: z.array(CapabilitySchema).min(1).openapi({
    description:
      "What the provider is called for: `chat` (chat completions, responses), `embeddings`, `fine_tuning`.",
  }),
};

export const CreateProviderSchema = z
  .strictObject({
    name: z.string().regex(PROVIDER_NAME, "a provider name is 1-40 lowercase letters, digits, '_' or '-'"),
    base_url: fields.base_url,
    api_key: fields.api_key,
    models: fields.models.optional(),
    capabilities: fields.capabilities,
  })
  .openapi("CreateProvider");

export const PatchProviderSchema = z
  .strictObject({
    base_url: fields.base_url.optional(),
    api_key: fields.api_key.optional(),
    models: fields.models.optional(),
    capabilities: fields.capabilities.optional(),
  })
  .openapi("PatchProvider");

export const ProviderSchema = z
  .object({
    object: z.literal("provider"),
    name: z.string(),
    base_url: z.string(),
    api_key_hint: z
      .string()
      .openapi({ description: "The key's first 3 and last 4 characters; never the key." }),
    models: z.array(z.string()),
    capabilities: z.array(CapabilitySchema),
    shutdown_dates: z.record(z.string(), z.string()).openapi({
      description: "Shutdown dates (`YYYY-MM-DD`) the provider's own `/v1/models` announced, by model id.",
    }),
    created_at: z.number().int(),
    updated_at: z.number().int(),
  })
  .openapi("Provider");

export const ProviderListSchema = listSchema(ProviderSchema);

export const ProviderDeletedSchema = z.object({
  object: z.literal("provider.deleted"),
  name: z.string(),
  deleted: z.literal(true),
});

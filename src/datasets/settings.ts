import { z } from "@hono/zod-openapi";

/** The longest `retention_days` a tenant may set (ten years). */
const MAX_RETENTION_DAYS = 3_650;

/** The `distillation` section of tenant settings. */
export const DistillationSettingsSchema = z
  .strictObject({
    capture_all: z.boolean().optional().openapi({
      description:
        "Capture every chat completion and response, not only those sent with `store: true`. Default false.",
    }),
    forward_store: z.boolean().optional().openapi({
      description:
        "Forward `store: true` to the provider as well (it then keeps its own copy). Default false.",
    }),
    retention_days: z
      .number()
      .int()
      .min(1)
      .max(MAX_RETENTION_DAYS)
      .optional()
      .openapi({
        description: `Days the tenant's captured completions (and capture dead letters) are kept; older ones are deleted every 5 minutes, and their bodies become unreadable at once (images they referenced stay in the image store, which datasets share). 1–${MAX_RETENTION_DAYS}. Default: the operator's CAPTURE_RETENTION_DAYS, else kept; a longer value than the operator's has no effect. Dataset examples keep their own copies.`,
      }),
    fine_tuning: z
      .strictObject({
        base_url: z.url().optional().openapi({
          description:
            "An OpenAI-compatible API (ending in /v1) for files and fine-tuning jobs. Default: the gateway's upstream. Must be http(s) without credentials on a host that resolves only to public addresses (checked when saved and at every call; redirects are not followed), unless the operator lists it in OUTBOUND_ALLOW_PRIVATE_HOSTS: otherwise 400 `invalid_url` or `url_not_allowed`.",
        }),
      })
      .optional(),
  })
  .openapi("DistillationSettings");

export type DistillationSettings = z.infer<typeof DistillationSettingsSchema>;

import { z } from "@hono/zod-openapi";

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

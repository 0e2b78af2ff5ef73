import { z } from "@hono/zod-openapi";
import { CacheSettingsSchema } from "../cache/settings";
import { DistillationSettingsSchema } from "../datasets/settings";
import type { JsonValue } from "../platform/json";
import { RealtimeSettingsSchema } from "../realtime/policy/settings";
import { VisionSettingsSchema } from "../vision/settings";

/**
 * Tenant settings, validated on every write. Each capability owns one section; unknown keys are
 * refused so a typo never silently does nothing.
 */
export const TenantSettingsSchema = z
  .strictObject({
    rate_limits: z
      .strictObject({
        requests_per_minute_per_key: z.number().int().positive().nullable().optional(),
        requests_per_minute_per_user: z.number().int().positive().nullable().optional(),
        requests_per_minute_per_tenant: z
          .number()
          .int()
          .positive()
          .nullable()
          .optional()
          .describe(
            "All of the tenant's requests per minute, approximate: enforced per isolate from budgets leased in the background (docs/rate-limits.md).",
          ),
      })
      .optional(),
    allowed_models: z.array(z.string().min(1).max(256)).max(1000).nullable().optional(),
    cache: CacheSettingsSchema.optional(),
    realtime: RealtimeSettingsSchema.optional(),
    distillation: DistillationSettingsSchema.optional(),
    vision: VisionSettingsSchema.optional(),
  })
  .openapi("TenantSettings");

export type TenantSettings = z.infer<typeof TenantSettingsSchema>;

function isObject(value: unknown): value is Record<string, JsonValue> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** JSON Merge Patch (RFC 7396): objects merge, `null` removes a key, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

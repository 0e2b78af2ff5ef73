/**
 * Which models a tenant may name: the tenant's `allowed_models`, and fine-tuned models (`ft:…`) only
 * when the tenant's own job produced them. The provider account is shared, so another tenant's
 * model answers exactly as a model that does not exist would.
 * @see https://platform.openai.com/docs/guides/error-codes
 */
import type { Context } from "hono";
import { ownedObject } from "../finetune/owned-repository";
import type { AppEnv, Bindings } from "../platform/env";
import { GatewayError } from "../platform/errors";
import { type Provider, providerForModel } from "../upstream/providers";

export function assertModelAllowed(c: Context<AppEnv>, model: string): void {
  const allowed = c.get("principal").tenant.settings.allowed_models;
  if (allowed && !allowed.includes(model)) {
    throw new GatewayError(
      403,
      `The model '${model}' is not allowed for this tenant. Allowed: ${allowed.join(", ")}.`,
      {
        param: "model",
        code: "model_not_allowed",
      },
    );
  }
}

export const isFineTuned = (model: string): boolean => model.startsWith("ft:");

/** The model a checkpoint (`ft:…:ckpt-step-N`) was taken from: it belongs to that model's owner. */
export const modelOfCheckpoint = (model: string): string => model.replace(/:ckpt-step-\d+$/, "");

/** Whether the tenant may use `model`: any base model, and its own fine-tuned models. */
export async function canUseModel(db: D1Database, tenantId: string, model: string): Promise<boolean> {
  if (!isFineTuned(model)) return true;
  return (await ownedObject(db, tenantId, modelOfCheckpoint(model), "model")) !== null;
}

/** The provider's own answer for a model that does not exist. */
export function modelNotFound(model: string): GatewayError {
  return new GatewayError(404, `The model \`${model}\` does not exist or you do not have access to it.`, {
    code: "model_not_found",
  });
}

/**
 * Whether the gateway must check who owns models served by `provider`: always for its own upstream,
 * and for a tenant's API whenever the gateway sends it a key (`FINE_TUNING_API_KEY`, shared by every
 * tenant that names that API). A tenant API the gateway holds no key for is the tenant's own account.
 */
export function guardsOwnership(env: Bindings, provider: Provider): boolean {
  return provider.baseUrl === env.OPENAI_BASE_URL || provider.apiKey !== "";
}

/** Refuses another tenant's fine-tuned model with 404 `model_not_found`. */
export async function assertModelAccessible(c: Context<AppEnv>, model: string): Promise<void> {
  const tenant = c.get("principal").tenant;
  if (!isFineTuned(model) || !guardsOwnership(c.env, providerForModel(c.env, tenant.settings, model))) return;
  if (!(await canUseModel(c.env.DB, tenant.id, model))) throw modelNotFound(model);
}

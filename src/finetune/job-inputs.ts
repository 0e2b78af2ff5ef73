/**
 * Checks on what a fine-tuning job names before it reaches the shared provider account: the base
 * model is within the tenant's `allowed_models` (a fine-tuned base is the tenant's own), and the
 * training and validation files are the tenant's.
 * @see docs/openai-reference.md D.5
 */
import type { Context } from "hono";
import type { AppEnv } from "../platform/env";
import { GatewayError } from "../platform/errors";
import { assertModelAllowed, canUseModel, guardsOwnership } from "../proxy/model-access";
import { fineTuningProvider } from "../upstream/providers";
import { ownedObject } from "./owned-repository";

/** The base model of a job: allowed for the tenant and, when fine-tuned, the tenant's own. */
export async function assertBaseModel(c: Context<AppEnv>, model: string): Promise<void> {
  const tenant = c.get("principal").tenant;
  const guarded = guardsOwnership(c.env, fineTuningProvider(c.env, tenant.settings));
  if (guarded && !(await canUseModel(c.env.DB, tenant.id, model))) {
    // The provider's own words for a model it cannot fine-tune, so nothing tells it exists.
    throw new GatewayError(400, `Model ${model} is not available for fine-tuning or does not exist.`, {
      param: "model",
      code: "model_not_available",
    });
  }
  assertModelAllowed(c, model);
}

/** A file named by a job: one the tenant uploaded (or a job of its produced), else the provider's 404. */
export async function assertOwnFile(c: Context<AppEnv>, id: string, param: string): Promise<void> {
  if (await ownedObject(c.env.DB, c.get("principal").tenant.id, id, "file")) return;
  throw new GatewayError(
    404,
    `No such File object: ${id}. Name a file uploaded through this gateway with POST /v1/files.`,
    { param, code: "file_not_found" },
  );
}

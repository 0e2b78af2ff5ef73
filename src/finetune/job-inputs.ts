/**
 * Checks on what a fine-tuning job names before it reaches the shared provider account: the base
 * model is within the tenant's `allowed_models` (a fine-tuned base is the tenant's own), and the
 * training and validation files are the tenant's.
 * @see docs/openai-reference.md D.5
 */
import type { Context } from "hono";
import { lifecycleNow } from "../models/clock";
import { assertOpenAIFineTunable } from "../models/lifecycle";
import type { AppEnv, Bindings } from "../platform/env";
import { GatewayError } from "../platform/errors";
import { assertModelAllowed, canUseModel, guardsOwnership } from "../proxy/model-access";
import { fineTuningProvider } from "../upstream/providers";
import { ownedObject } from "./owned-repository";

/** Whether fine-tuning calls go to OpenAI's own API: the gateway's upstream, or `api.openai.com`. */
export function targetsOpenAI(env: Bindings, baseUrl: string): boolean {
  const trim = (url: string) => url.replace(/\/+$/, "");
  if (trim(baseUrl) === trim(env.OPENAI_BASE_URL)) return true;
  try {
    return new URL(baseUrl).hostname === "api.openai.com";
  } catch {
    return false;
  }
}

/**
 * The base model of a job: allowed for the tenant and, when fine-tuned, the tenant's own; and, when
 * the job goes to OpenAI's API, a job OpenAI still takes (before its fine-tuning cutoff, on a base
 * model not shut down; 400 `fine_tuning_unavailable` / `model_shut_down`). A base model shutting down
 * within 60 days sets the `Sunset` and `x-edgegate-warning` response headers.
 */
export async function assertBaseModel(c: Context<AppEnv>, model: string): Promise<void> {
  const tenant = c.get("principal").tenant;
  const provider = fineTuningProvider(c.env, tenant.settings);
  const guarded = guardsOwnership(c.env, provider);
  if (guarded && !(await canUseModel(c.env.DB, tenant.id, model))) {
    // The provider's own words for a model it cannot fine-tune, so nothing tells it exists.
    throw new GatewayError(400, `Model ${model} is not available for fine-tuning or does not exist.`, {
      param: "model",
      code: "model_not_available",
    });
  }
  assertModelAllowed(c, model);
  if (!targetsOpenAI(c.env, provider.baseUrl)) return;
  const warning = assertOpenAIFineTunable(model, lifecycleNow(c.env));
  for (const [name, value] of Object.entries(warning)) c.header(name, value);
}

/**
 * The answer for a file the caller does not own, worded as the provider's for a missing one (so
 * another tenant's file looks the same): fine-tuning jobs and model calls naming a file give it.
 */
export function fileNotFound(id: string, param: string): GatewayError {
  return new GatewayError(
    404,
    `No such File object: ${id}. Name a file uploaded through this gateway with POST /v1/files.`,
    { param, code: "file_not_found" },
  );
}

/** A file named by a job: one the tenant uploaded (or a job of its produced), else the provider's 404. */
export async function assertOwnFile(c: Context<AppEnv>, id: string, param: string): Promise<void> {
  if (await ownedObject(c.env.DB, c.get("principal").tenant.id, id, "file")) return;
  throw fileNotFound(id, param);
}

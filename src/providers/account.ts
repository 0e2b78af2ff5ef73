/**
 * The provider account a model call is answered by, as the gateway records it with what the call
 * creates (a response id): a tenant's registered provider, by name; another API the gateway serves a
 * model from, by base URL (a tenant's fine-tuning API for its `ft:` models); or the gateway's own
 * upstream (both null). An object's id means something only on the account that made it, so later
 * calls on the object go back to that account with its own key: an id answered by a tenant's
 * provider never reaches the shared account with OPENAI_API_KEY.
 */

import { call as callFineTuning } from "../finetune/provider";
import type { TenantSettings } from "../identity/settings";
import type { Bindings } from "../platform/env";
import { callUpstream, type UpstreamRequest } from "../upstream";
import { providerForModel, providerKey, withProvider } from "../upstream/providers";
import { type ModelTarget, providerEndpoint, tenantKeyRefused, tenantProviders } from "./resolve";

export interface ProviderAccount {
  /** The tenant's registered provider, by name, or null. */
  provider: string | null;
  /** The API's base URL when it is neither a registered provider nor the gateway's upstream, else null. */
  baseUrl: string | null;
}

/** The account that answers calls for `target` (where the proxy sends them). */
export function accountOf(env: Bindings, settings: TenantSettings, target: ModelTarget): ProviderAccount {
  if (target.provider) return { provider: target.provider.name, baseUrl: null };
  const served = providerForModel(env, settings, target.name);
  return { provider: null, baseUrl: served.baseUrl === env.OPENAI_BASE_URL ? null : served.baseUrl };
}

/**
 * Whether the gateway holds `account`'s key on behalf of every tenant (its upstream, or a
 * fine-tuning API it sends `FINE_TUNING_API_KEY` to), so that the objects a call names there must
 * be the tenant's; false for a tenant's own provider or a keyless API (the tenant's own account).
 */
export function isSharedAccount(env: Bindings, account: ProviderAccount): boolean {
  if (account.provider !== null) return false;
  return account.baseUrl === null || providerKey(env, account.baseUrl) !== "";
}

export function sameAccount(a: ProviderAccount, b: ProviderAccount): boolean {
  return a.provider === b.provider && a.baseUrl === b.baseUrl;
}

/**
 * `req` sent to `account` with that account's key: a tenant's provider with the key registered for
 * it, another API with the key the gateway sends there (its URL checked by the outbound-URL guard
 * again, as fine-tuning calls are), the gateway's upstream with its own. Null when the tenant has
 * since deleted the provider: nothing it made can be reached any more.
 */
export async function callAccount(
  env: Bindings,
  tenantId: string,
  account: ProviderAccount,
  req: UpstreamRequest,
): Promise<Response | null> {
  if (account.provider !== null) {
    const provider = (await tenantProviders(env.DB, tenantId)).find((p) => p.name === account.provider);
    if (!provider) return null;
    const endpoint = await providerEndpoint(env, provider);
    return callUpstream(withProvider(env, endpoint), req).catch((err: unknown) => {
      throw tenantKeyRefused(err, provider);
    });
  }
  // A tenant's fine-tuning API, called as fine-tuning calls it (its URL checked again, its key).
  if (account.baseUrl !== null) return callFineTuning(env, account.baseUrl, req);
  return callUpstream(env, req);
}

/** Model providers a tenant registers: the admin routes, and model routing for the proxy and evaluations. */
export { accountOf, callAccount, isSharedAccount, type ProviderAccount, sameAccount } from "./account";
export { providerAdmin } from "./admin";
export { providersModels } from "./model-list";
export {
  assertCapability,
  type ModelTarget,
  modelEndpoint,
  providerEndpoint,
  resolveModel,
  tenantKeyRefused,
  tenantProviders,
} from "./resolve";

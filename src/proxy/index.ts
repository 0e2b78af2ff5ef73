import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { resolveAlias, routeHeader } from "../aliases/route";
import { serveWithCache } from "../cache";
import type { CacheKind } from "../cache/key";
import { captureHook } from "../datasets/capture";
import { ownedModels } from "../finetune/owned-repository";
import type { AppEnv } from "../platform/env";
import { errorResponses } from "../platform/openapi";
import { routeKit } from "../platform/route-kit";
import {
  isSharedAccount,
  type ProviderAccount,
  providersModels,
  resolveModel,
  tenantProviders,
} from "../providers";
import { enforceRateLimit } from "../ratelimit";
import { withResponseOwnership } from "../responses";
import { callUpstream, relayResponse } from "../upstream";
import {
  assertModelAccessible,
  assertModelAllowed,
  canUseModel,
  isFineTuned,
  modelNotFound,
  modelOfCheckpoint,
} from "./model-access";
import { dispatchFor, withHeaders } from "./model-target";
import { assertNamedObjects } from "./named-objects";
import {
  ChatCompletionRequestSchema,
  EmbeddingRequestSchema,
  type ProxiedBody,
  ResponseRequestSchema,
  UpstreamObjectSchema,
} from "./schemas";
import { countModelCall } from "./traffic";

export { assertModelAccessible, assertModelAllowed } from "./model-access";

const MODEL_NOTE =
  "`model` may name a provider the tenant registered (`provider/model`, or a bare id listed in its `models`; docs/providers.md): the call goes to that provider with its key. A model past its shutdown date answers 404 `model_not_found` naming the date; one shutting down within 60 days is answered with `Sunset` and `x-edgegate-warning` headers. Files a body names (chat `file` parts; Responses `input_file`/`input_image` parts and `code_interpreter` `file_ids`) must be the tenant's own, else 404 `file_not_found` before anything is sent (an end-user token names none); a Responses `conversation` answers 404 (the gateway creates none). Neither applies to the tenant's own providers.";
const relayed = {
  200: {
    description: "The provider's answer (JSON, or `text/event-stream` when `stream` is true)",
    content: {
      "application/json": { schema: UpstreamObjectSchema },
      "text/event-stream": { schema: z.string() },
    },
  },
  ...errorResponses,
  429: errorResponses[400],
  502: errorResponses[400],
  504: errorResponses[400],
};

/** The end user of a request: the token's or `X-User-Id`, else the body's `safety_identifier` / `user`. */
export function endUserOf(c: Context<AppEnv>, body: ProxiedBody): string | null {
  return c.get("principal").userId ?? body.safety_identifier ?? body.user ?? null;
}

/**
 * What a kind of model call adds around serving it, once the account that answers is known: the
 * Responses API checks a chained response and records the new one there (src/responses).
 */
type Around = (account: ProviderAccount, serve: () => Promise<Response>) => Promise<Response>;

/**
 * Relays one JSON request to the provider after the tenant's checks, through the prompt cache;
 * streams pass through chunk by chunk.
 */
async function forward(
  c: Context<AppEnv>,
  kind: CacheKind,
  path: string,
  request: ProxiedBody,
  around: Around = (_account, serve) => serve(),
): Promise<Response> {
  const endUser = endUserOf(c, request);
  const principal = c.get("principal");
  const waitUntil = (p: Promise<unknown>) => c.executionCtx.waitUntil(p);
  const stickiness = endUser ?? principal.keyId;
  const route = await resolveAlias(c.env.DB, principal.tenant.id, request.model, stickiness, waitUntil);
  // The tenant's provider for `provider/model` names; `dispatch.model` keeps the provider in the cache key.
  const dispatch = await dispatchFor(c, kind, route ? route.model : request.model);
  const body = { ...request, model: dispatch.model };
  // After alias resolution, so an alias cannot reach another tenant's fine-tuned model either.
  await assertModelAccessible(c, body.model);
  assertModelAllowed(c, body.model);
  // The files (and conversation) a body names must be the tenant's where the account is shared.
  if (isSharedAccount(c.env, dispatch.account)) await assertNamedObjects(c, kind, body, dispatch.account);
  const onAnswer = captureHook(c, kind, body);
  const send = (upstreamBody: Record<string, unknown>) =>
    dispatch.send(path, upstreamBody, c.get("requestId"));
  const res = await around(dispatch.account, async () => {
    await enforceRateLimit(c.env, c.get("principal"), endUser);
    return serveWithCache(c, { kind, body, endUser, send, startedAt: performance.now(), onAnswer });
  });
  return withHeaders(res, { ...dispatch.headers, ...(route && { "x-model-route": routeHeader(route) }) });
}

const { router: proxy, route: proxyRoute, jsonRoute } = routeKit({ tags: ["Proxy"] });

export { proxy };

for (const path of ["/chat/completions", "/embeddings", "/responses"]) proxy.use(path, countModelCall);

/**
 * A model call relayed to the provider: `POST path`. Its JSON body is checked in one step
 * (`jsonRoute`), not by the validator middleware of other routes: these are the hot paths.
 */
const modelCall = (path: string, summary: string) => ({
  method: "post" as const,
  path,
  summary,
  description: MODEL_NOTE,
  responses: relayed,
});

jsonRoute(
  modelCall("/chat/completions", "Create a chat completion (relayed to the provider)"),
  ChatCompletionRequestSchema,
  (c, { json }) => forward(c, "chat", "/chat/completions", json),
);

jsonRoute(
  modelCall("/embeddings", "Create embeddings (relayed to the provider)"),
  EmbeddingRequestSchema,
  (c, { json }) => forward(c, "embeddings", "/embeddings", json),
);

jsonRoute(
  modelCall("/responses", "Create a model response (relayed to the provider)"),
  ResponseRequestSchema,
  (c, { json }) =>
    forward(c, "responses", "/responses", json, (account, serve) =>
      withResponseOwnership(c, json, account, serve),
    ),
);

interface ModelList {
  object: "list";
  data: { id: string }[];
}

proxy.openapi(
  proxyRoute({
    method: "get",
    path: "/models",
    summary:
      "List models: the provider's base models, the tenant's own fine-tuned models and its providers' models",
    description:
      "The provider's list without other tenants' fine-tuned (`ft:`) models: base models plus the models the tenant's own fine-tuning jobs produced, then the models of the tenant's registered providers as `provider/model` (each provider's own list, with its `shutdown_date` when it gives one, plus the ids registered in its `models`), narrowed to the tenant's `allowed_models` when set.",
    responses: relayed,
  }),
  async (c) => {
    const principal = c.get("principal");
    await enforceRateLimit(c.env, principal, principal.userId);
    const upstream = await callUpstream(c.env, {
      method: "GET",
      path: "/models",
      requestId: c.get("requestId"),
    });
    if (!upstream.ok) return relayResponse(upstream);
    const list = (await upstream.json()) as ModelList;
    const allowed = principal.tenant.settings.allowed_models;
    const owned = new Set(await ownedModels(c.env.DB, principal.tenant.id));
    const providers = await tenantProviders(c.env.DB, principal.tenant.id);
    const theirs = await providersModels(c.env, providers, c.get("requestId"));
    const visible = [...list.data, ...theirs].filter(
      (m) =>
        (!isFineTuned(m.id) || owned.has(modelOfCheckpoint(m.id))) && (!allowed || allowed.includes(m.id)),
    );
    return c.json({ ...list, data: visible }, 200);
  },
);

proxy.openapi(
  proxyRoute({
    method: "get",
    path: "/models/{model}",
    summary: "Retrieve a model",
    description:
      "Another tenant's fine-tuned model answers 404 `model_not_found`, as a missing model does. A model of one of the tenant's providers (`provider/model`, the slash URL-encoded as the SDKs send it) is answered from that provider's list, as `/v1/models` shows it.",
    request: { params: z.object({ model: z.string().min(1) }) },
    responses: relayed,
  }),
  async (c) => retrieveModel(c, c.req.valid("param").model),
);

proxy.openapi(
  proxyRoute({
    method: "get",
    path: "/models/{provider}/{model}",
    summary: "Retrieve a model of one of the tenant's providers (`provider/model` with a plain slash)",
    description: "The same as `GET /v1/models/{model}` with the model named `provider/model`.",
    request: { params: z.object({ provider: z.string().min(1), model: z.string().min(1) }) },
    responses: relayed,
  }),
  async (c) => {
    const { provider, model } = c.req.valid("param");
    return retrieveModel(c, `${provider}/${model}`);
  },
);

/** One model as `/v1/models` lists it: from the tenant's provider for `provider/model`, else upstream. */
async function retrieveModel(c: Context<AppEnv>, model: string): Promise<Response> {
  const principal = c.get("principal");
  if (!(await canUseModel(c.env.DB, principal.tenant.id, model))) throw modelNotFound(model);
  assertModelAllowed(c, model);
  await enforceRateLimit(c.env, principal, principal.userId);
  const target = await resolveModel(c.env.DB, principal.tenant.id, model);
  if (target.provider) {
    const listed = await providersModels(c.env, [target.provider], c.get("requestId"));
    const found = listed.find((m) => m.id === target.name);
    if (!found) throw modelNotFound(model);
    return c.json(found, 200);
  }
  const upstream = await callUpstream(c.env, {
    method: "GET",
    path: `/models/${encodeURIComponent(model)}`,
    requestId: c.get("requestId"),
  });
  return relayResponse(upstream);
}

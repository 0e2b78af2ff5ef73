/**
 * Managing Responses API objects: retrieve (JSON, or the event stream again from `starting_after`),
 * delete, cancel a background response, and list its input items, relayed to the provider account
 * that made the response (the gateway's upstream, or the tenant's provider that answered). The
 * upstream account is shared, so each call first checks in D1 that the response is the caller's
 * (the tenant's; an end-user token's own); any other id answers 404 as an unknown one does.
 * `POST /v1/responses` itself is proxied with the other model calls (src/proxy/index.ts).
 * @see https://platform.openai.com/docs/api-reference/responses
 */
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { ownerOf } from "../identity/principal";
import type { AppEnv } from "../platform/env";
import { errorResponses } from "../platform/openapi";
import { routeKit } from "../platform/route-kit";
import { callAccount } from "../providers";
import { enforceRateLimit } from "../ratelimit";
import { relayResponse } from "../upstream";
import { ownResponse, responseNotFound } from "./ownership";
import { accountOfRow, forgetResponse } from "./repository";

const ResponseIdParams = z.object({
  response_id: z.string().min(1).max(200).openapi({ example: "resp_677efb5139a88190b512bc3fef8e535d" }),
});
const relayed = (description: string, stream = false) => ({
  200: {
    description,
    content: {
      "application/json": { schema: z.looseObject({}) },
      ...(stream ? { "text/event-stream": { schema: z.string() } } : {}),
    },
  },
  ...errorResponses,
  429: errorResponses[400],
  502: errorResponses[400],
});

const RetrieveQuery = z.object({
  stream: z.enum(["true", "false"]).optional().openapi({
    description: "`true`: the response's events as `text/event-stream` (background responses).",
  }),
  starting_after: z.string().regex(/^\d+$/, "expected a whole number").optional().openapi({
    description: "With `stream=true`: resume after the event with this `sequence_number`.",
  }),
  include: z.union([z.string(), z.array(z.string())]).optional(),
  include_obfuscation: z.enum(["true", "false"]).optional(),
});
const InputItemsQuery = z.object({
  limit: z.string().regex(/^\d+$/, "expected a whole number").optional(),
  order: z.enum(["asc", "desc"]).optional(),
  after: z.string().max(200).optional(),
  include: z.union([z.string(), z.array(z.string())]).optional(),
});

type Method = "GET" | "POST" | "DELETE";

/**
 * Checks ownership, then relays the same call (query string included) to the account that made the
 * response, with that account's key: the gateway's upstream, or the tenant's provider that answered
 * its creation (one the tenant has since deleted answers 404).
 */
async function relayOwned(c: Context<AppEnv>, method: Method, id: string, suffix = ""): Promise<Response> {
  const principal = c.get("principal");
  const row = await ownResponse(c, ownerOf(principal), id);
  await enforceRateLimit(c.env, principal, principal.userId);
  const search = new URL(c.req.url).search;
  const streaming = new URL(c.req.url).searchParams.get("stream") === "true";
  const res = await callAccount(c.env, principal.tenant.id, accountOfRow(row), {
    method,
    path: `/responses/${encodeURIComponent(id)}${suffix}${search}`,
    requestId: c.get("requestId"),
    headers: { accept: streaming ? "text/event-stream" : "application/json" },
  });
  if (!res) throw responseNotFound(id);
  return res;
}

const { router: responsesApi, route } = routeKit({ tags: ["Responses"] });

/** `/v1/responses/{response_id}…` (creation is the proxy's `POST /v1/responses`). */
export { responsesApi };

responsesApi.openapi(
  route({
    method: "get",
    path: "/responses/{response_id}",
    summary: "Retrieve a model response (or stream its events again with `stream=true&starting_after=`)",
    description:
      "One of the caller's own responses (an end-user token: that user's own); any other id answers 404 as an unknown one does. The call goes to the account that made the response: the gateway's upstream, or the tenant's provider for a response created with `provider/model` (404 once that provider is deleted); the same holds for delete, cancel and input items. With `stream=true` the provider's event stream is relayed as it comes, from the event after `starting_after`.",
    request: { params: ResponseIdParams, query: RetrieveQuery },
    responses: relayed("The response, or its events", true),
  }),
  async (c) => relayResponse(await relayOwned(c, "GET", c.req.valid("param").response_id)),
);

responsesApi.openapi(
  route({
    method: "delete",
    path: "/responses/{response_id}",
    summary: "Delete a model response",
    request: { params: ResponseIdParams },
    responses: relayed('`{id, object: "response", deleted: true}`'),
  }),
  async (c) => {
    const id = c.req.valid("param").response_id;
    const upstream = await relayOwned(c, "DELETE", id);
    if (upstream.ok || upstream.status === 404) {
      await forgetResponse(c.env.DB, c.get("principal").tenant.id, id);
    }
    return relayResponse(upstream);
  },
);

responsesApi.openapi(
  route({
    method: "post",
    path: "/responses/{response_id}/cancel",
    summary: "Cancel a background response",
    description:
      "Only responses created with `background: true` can be cancelled (the provider answers 400 otherwise); a finished one is answered as it is.",
    request: { params: ResponseIdParams },
    responses: relayed("The response, `cancelled` unless it had already finished"),
  }),
  async (c) => relayResponse(await relayOwned(c, "POST", c.req.valid("param").response_id, "/cancel")),
);

responsesApi.openapi(
  route({
    method: "get",
    path: "/responses/{response_id}/input_items",
    summary: "List the input items of a model response",
    request: { params: ResponseIdParams, query: InputItemsQuery },
    responses: relayed('A list of response items (`object: "list"`, cursor pagination)'),
  }),
  async (c) => relayResponse(await relayOwned(c, "GET", c.req.valid("param").response_id, "/input_items")),
);

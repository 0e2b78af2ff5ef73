/**
 * OpenAI's stored-completions API over the captured traffic, plus feedback from the app.
 * @see https://platform.openai.com/docs/api-reference/chat/list
 * @see docs/openai-reference.md D.1
 */
import type { Context } from "hono";
import { ownerOf } from "../identity/principal";
import type { AppEnv } from "../platform/env";
import { foundOr, unknownCursor } from "../platform/errors";
import { type JsonObject, parseColumn } from "../platform/json";
import { ok } from "../platform/openapi";
import { jsonBody, type OwnedResource, pageOf, routeKit } from "../platform/route-kit";
import { hydrateRequest } from "../vision/captured";
import { imageStore } from "../vision/store";
import { withBodies, withBody } from "./completion-bodies";
import { storedMessage } from "./completions-messages";
import * as repo from "./completions-repository";
import {
  CompletionIdParams,
  DeletedCompletionSchema,
  FeedbackRequestSchema,
  FeedbackSchema,
  ListCompletionsQuery,
  ListMessagesQuery,
  StoredCompletionListSchema,
  StoredCompletionSchema,
  StoredMessageListSchema,
  UpdateCompletionSchema,
} from "./completions-schemas";
import { metadataQuery } from "./metadata";

const { router: storedCompletions, add, resourceRoute } = routeKit({ tags: ["Stored completions"] });

/** `/v1/chat/completions…` of stored completions (beside the proxy's `POST /v1/chat/completions`). */
export { storedCompletions };

/** What Edgegate adds to a stored completion (SDKs ignore the extra key). */
function edgegateFields(row: repo.CompletionRow) {
  const feedback =
    row.feedback_score === null
      ? null
      : {
          score: row.feedback_score,
          correction: parseColumn<JsonObject>(row.feedback_correction),
        };
  return { cache_status: row.cache_status, latency_ms: row.latency_ms, user: row.user_id, feedback };
}

/** The stored object: the captured answer with its (current) metadata. */
export function storedCompletionJson(row: repo.CompletionRow) {
  const answer = parseColumn<JsonObject>(row.answer);
  return {
    ...answer,
    id: row.id,
    object: "chat.completion" as const,
    model: row.model,
    metadata: parseColumn<Record<string, string>>(row.metadata),
    edgegate: edgegateFields(row),
  };
}

/** The owner's stored chat completion, without its body (index fields only). */
async function mustFind(c: Context<AppEnv>, id: string): Promise<repo.CompletionRow> {
  const row = await repo.getCompletion(c.env.DB, ownerOf(c.get("principal")), id);
  return foundOr(row?.kind === "chat" ? row : null, "stored chat completion", id, { param: "completion_id" });
}

/** The owner's stored chat completion with its request and answer (from R2 or inline). */
async function mustGet(c: Context<AppEnv>, id: string): Promise<repo.CompletionRow> {
  return withBody(c.env, await mustFind(c, id));
}

/** `/chat/completions/{completion_id}`: the owner's stored chat completion (index fields only), or 404. */
const storedCompletion: OwnedResource<typeof CompletionIdParams, repo.CompletionRow> = {
  params: CompletionIdParams,
  load: (c, params) => mustFind(c, params.completion_id),
};

add(
  {
    method: "get",
    path: "/chat/completions",
    summary: "List stored chat completions (filters: model, metadata[k]=v; cursor after, limit, order)",
    description:
      "An `after` that names none of the caller's completions (deleted, or past the tenant's retention window) answers 400 `invalid_cursor` rather than an empty page.",
    request: { query: ListCompletionsQuery },
    responses: ok(StoredCompletionListSchema, "A page of stored completions"),
  },
  async (c, { query: q }) => {
    const filter: repo.CompletionFilter = { kind: "chat", metadata: metadataQuery(c.req.url) };
    if (q.model) filter.model = q.model;
    const pageReq: repo.Page = { limit: q.limit, order: q.order };
    if (q.after) pageReq.after = q.after;
    const rows = await repo.listCompletions(c.env.DB, ownerOf(c.get("principal")), filter, pageReq);
    if (rows === null)
      throw unknownCursor(
        q.after ?? "",
        "stored completion of yours",
        "deleted, past the retention window, or never captured",
      );
    const page = await withBodies(c.env, rows.slice(0, q.limit));
    return c.json(pageOf(page.map(storedCompletionJson), rows.length > q.limit), 200);
  },
);

resourceRoute(
  storedCompletion,
  {
    method: "get",
    path: "/chat/completions/{completion_id}",
    summary: "Retrieve a stored chat completion",
    responses: ok(StoredCompletionSchema, "The stored completion"),
  },
  async (c, row) => c.json(storedCompletionJson(await withBody(c.env, row)), 200),
);

resourceRoute(
  storedCompletion,
  {
    method: "post",
    path: "/chat/completions/{completion_id}",
    summary: "Update a stored chat completion's metadata (the only field that can change)",
    request: { body: jsonBody(UpdateCompletionSchema) },
    responses: ok(StoredCompletionSchema, "The updated completion"),
  },
  async (c, { id }, { json }) => {
    await repo.updateMetadata(c.env.DB, c.get("principal").tenant.id, id, json.metadata ?? {});
    return c.json(storedCompletionJson(await mustGet(c, id)), 200);
  },
);

resourceRoute(
  storedCompletion,
  {
    method: "delete",
    path: "/chat/completions/{completion_id}",
    summary: "Delete a stored chat completion",
    responses: ok(DeletedCompletionSchema, "Deleted"),
  },
  async (c, { id }) => {
    const deleted = await repo.deleteCompletion(c.env.DB, c.get("principal").tenant.id, id);
    return c.json({ object: "chat.completion.deleted" as const, id, deleted }, 200);
  },
);

resourceRoute(
  storedCompletion,
  {
    method: "get",
    path: "/chat/completions/{completion_id}/messages",
    summary: "List the request messages of a stored chat completion",
    description:
      "An `after` that names no message of this completion answers 400 `invalid_cursor` rather than an empty page.",
    request: { query: ListMessagesQuery },
    responses: ok(StoredMessageListSchema, "A page of messages"),
  },
  async (c, found, { query: q }) => {
    const row = await withBody(c.env, found);
    const images = imageStore(c.env, c.get("principal").tenant.id);
    const stored = await hydrateRequest(images, row.request);
    const request = parseColumn<{ messages?: JsonObject[] }>(stored);
    let messages = (request.messages ?? []).map((m, i) => storedMessage(m, `${row.id}-${i}`));
    if (q.order === "desc") messages.reverse();
    if (q.after) {
      const at = messages.findIndex((m) => m.id === q.after);
      if (at < 0)
        throw unknownCursor(q.after, "message of this completion", "its message ids end in -0, -1, …");
      messages = messages.slice(at + 1);
    }
    return c.json(pageOf(messages.slice(0, q.limit), messages.length > q.limit), 200);
  },
);

resourceRoute(
  storedCompletion,
  {
    method: "post",
    path: "/chat/completions/{completion_id}/feedback",
    summary: "Record the app's feedback on a stored completion: a score and, optionally, the right answer",
    request: { body: jsonBody(FeedbackRequestSchema) },
    responses: ok(FeedbackSchema, "The recorded feedback"),
  },
  async (c, { id: completion_id }, { json: { score, correction } }) => {
    const message =
      correction === undefined
        ? null
        : typeof correction === "string"
          ? { role: "assistant" as const, content: correction }
          : correction;
    const atSeconds = Math.floor(Date.now() / 1000);
    const feedback = { score, correction: message ? JSON.stringify(message) : null, atSeconds };
    await repo.setFeedback(c.env.DB, ownerOf(c.get("principal")), completion_id, feedback);
    return c.json(
      {
        object: "chat.completion.feedback" as const,
        completion_id,
        score,
        correction: message,
        created_at: atSeconds,
      },
      200,
    );
  },
);

/**
 * `/admin/tenants/:id/tools…` (the server-side tool registry) and `/admin/tenants/:id/realtime/…`
 * (recorded sessions with usage and transcripts), behind `ADMIN_TOKEN`.
 */
import { z } from "@hono/zod-openapi";
import { adminCallerOf, adminTenant, tenantOrNotFound } from "../../identity/admin-access";
import { GatewayError } from "../../platform/errors";
import { ErrorSchema, errorResponses, jsonResponse, ok } from "../../platform/openapi";
import { assertSavedUrl, outboundPolicy } from "../../platform/outbound-url";
import { listSchema, type OwnedResource, routeKit } from "../../platform/route-kit";
import { sessionToChatExample } from "../records/chat-example";
import {
  getSessionDetail,
  listSessions,
  type SessionDetail,
  type SessionRow,
} from "../records/sessions-repository";
import type { RecordStores } from "../records/transcript-archive";
import {
  deleteTool,
  loadToolRegistry,
  putTool,
  rotateToolSecret,
  type StoredTool,
} from "../tools/tools-repository";
import {
  ChatExampleSchema,
  DEFAULT_TOOL_TIMEOUT_MS,
  MAX_TOOLS_PER_TENANT,
  PutToolSchema,
  SavedToolSchema,
  SessionDetailSchema,
  SessionListQuery,
  SessionParams,
  SessionRecordSchema,
  TenantToolParams,
  ToolSchema,
  ToolSecretSchema,
} from "./schemas";

function toolJson(tool: StoredTool) {
  return {
    object: "realtime.tool" as const,
    name: tool.name,
    description: tool.description,
    parameters: tool.parameters,
    url: tool.url,
    timeout_ms: tool.timeoutMs,
    created_at: tool.createdAt,
    updated_at: tool.updatedAt,
  };
}

function sessionJson(row: SessionRow) {
  return {
    object: "realtime.session_record" as const,
    id: row.id,
    user: row.user_id,
    key_id: row.key_id,
    model: row.model,
    type: row.type === "transcription" ? ("transcription" as const) : ("realtime" as const),
    status: row.status === "active" ? ("active" as const) : ("ended" as const),
    end_reason: row.end_reason,
    instructions: row.instructions,
    voice: row.voice,
    started_at: row.started_at,
    ended_at: row.ended_at,
    usage: {
      responses: row.responses,
      input_tokens: row.input_tokens,
      output_tokens: row.output_tokens,
      cached_tokens: row.cached_tokens,
      input_audio_seconds: row.input_audio_ms / 1000,
      output_audio_seconds: row.output_audio_ms / 1000,
    },
    reconnects: row.reconnects,
    tool_calls: row.tool_calls,
  };
}

const { router: realtimeAdmin, add, resourceRoute } = routeKit({ tags: ["Realtime"] });

export { realtimeAdmin };

add(
  {
    method: "put",
    path: "/tenants/{id}/tools/{name}",
    summary: "Register or replace a server-side Realtime tool",
    description:
      "The gateway adds the tool to every Realtime session of the tenant and runs its calls by POSTing `{tenant, user, session_id, call_id, name, arguments}` to `url`, signed with Standard Webhooks headers. The tenant's signing secret is returned once, with its first tool. `url` must be http(s) without credentials, and its host must resolve only to public addresses (checked over DNS-over-HTTPS here and again at every call; redirects are followed only after the same check, at most 3): otherwise 400 `invalid_url` or `url_not_allowed`. Private hosts (an address, an internal name or a name resolving to a private address) need the operator's OUTBOUND_ALLOW_PRIVATE_HOSTS and ADMIN_TOKEN (403 `admin_token_required` for a console key).",
    request: {
      params: TenantToolParams,
      body: { required: true, content: { "application/json": { schema: PutToolSchema } } },
    },
    responses: {
      200: jsonResponse(SavedToolSchema, "The replaced tool"),
      201: jsonResponse(SavedToolSchema, "The new tool"),
      ...errorResponses,
      409: jsonResponse(ErrorSchema, "The tenant already has the maximum number of tools"),
    },
  },
  async (c, { param: { id, name }, json: body }) => {
    await tenantOrNotFound(c.env.DB, id);
    // The gateway POSTs to the tool and shows its answer: only the operator may point one inside.
    await assertSavedUrl(body.url, outboundPolicy(c.env), {
      param: "url",
      what: "a tool",
      isOperator: async () => (await adminCallerOf(c)).kind === "admin",
    });
    const { tools } = await loadToolRegistry(c.env.DB, id);
    if (tools.length >= MAX_TOOLS_PER_TENANT && !tools.some((tool) => tool.name === name)) {
      throw new GatewayError(
        409,
        `A tenant can register at most ${MAX_TOOLS_PER_TENANT} tools; delete one first.`,
        {
          code: "too_many_tools",
        },
      );
    }
    const saved = await putTool(c.env.DB, id, {
      name,
      description: body.description,
      parameters: body.parameters ?? { type: "object", properties: {} },
      url: body.url,
      timeoutMs: body.timeout_ms ?? DEFAULT_TOOL_TIMEOUT_MS,
    });
    const out = {
      ...toolJson(saved.tool),
      ...(saved.newSecret !== null && { webhook_secret: saved.newSecret }),
    };
    return saved.created ? c.json(out, 201) : c.json(out, 200);
  },
);

resourceRoute(
  adminTenant,
  {
    method: "get",
    path: "/tenants/{id}/tools",
    summary: "List the tenant's server-side Realtime tools",
    responses: ok(listSchema(ToolSchema), "The tools"),
  },
  async (c, { id }) => {
    const { tools } = await loadToolRegistry(c.env.DB, id);
    return c.json({ object: "list" as const, data: tools.map(toolJson) }, 200);
  },
);

add(
  {
    method: "delete",
    path: "/tenants/{id}/tools/{name}",
    summary: "Remove a server-side Realtime tool (new sessions no longer get it)",
    request: { params: TenantToolParams },
    responses: ok(
      z.object({ object: z.literal("realtime.tool.deleted"), name: z.string(), deleted: z.literal(true) }),
      "Deleted",
    ),
  },
  async (c, { param: { id, name } }) => {
    if (!(await deleteTool(c.env.DB, id, name))) {
      throw new GatewayError(404, `No tool '${name}' for tenant '${id}'.`, {
        param: "name",
        code: "tool_not_found",
      });
    }
    return c.json({ object: "realtime.tool.deleted" as const, name, deleted: true as const }, 200);
  },
);

resourceRoute(
  adminTenant,
  {
    method: "post",
    path: "/tenants/{id}/tools/secret/rotate",
    summary: "Replace the secret that signs the tenant's tool calls (shown once)",
    responses: ok(ToolSecretSchema, "The new secret"),
  },
  async (c, { id }) =>
    c.json(
      { object: "realtime.tool_secret" as const, webhook_secret: await rotateToolSecret(c.env.DB, id) },
      200,
    ),
);

resourceRoute(
  adminTenant,
  {
    method: "get",
    path: "/tenants/{id}/realtime/sessions",
    summary: "List the tenant's Realtime sessions with their usage, newest first",
    request: { query: SessionListQuery },
    responses: ok(listSchema(SessionRecordSchema), "The sessions"),
  },
  async (c, { id }, { query }) => {
    const rows = await listSessions(c.env.DB, id, {
      limit: query.limit,
      before: query.before,
      userId: query.user,
    });
    return c.json({ object: "list" as const, data: rows.map(sessionJson) }, 200);
  },
);

/** A tenant's session with its usage and items, or a 404 naming it. */
async function mustGetSessionDetail(stores: RecordStores, tenantId: string, sessionId: string) {
  const detail = await getSessionDetail(stores, tenantId, sessionId);
  if (!detail) {
    throw new GatewayError(404, `No Realtime session '${sessionId}' for tenant '${tenantId}'.`, {
      param: "session_id",
      code: "session_not_found",
    });
  }
  return detail;
}

/** `/tenants/{id}/realtime/sessions/{session_id}`: a recorded session of the tenant, or 404. */
const recordedSession: OwnedResource<typeof SessionParams, SessionDetail> = {
  params: SessionParams,
  load: (c, params) => mustGetSessionDetail(c.env, params.id, params.session_id),
};

resourceRoute(
  recordedSession,
  {
    method: "get",
    path: "/tenants/{id}/realtime/sessions/{session_id}",
    summary: "One Realtime session: usage per response and the conversation's items and transcripts",
    responses: ok(SessionDetailSchema, "The session"),
  },
  async (c, detail) => {
    const items = detail.items.map(({ server_tool, tool_error, tool_duration_ms, ...item }) => ({
      ...item,
      server_tool: server_tool === 1,
      error: tool_error,
      duration_ms: tool_duration_ms,
    }));
    return c.json({ ...sessionJson(detail.session), responses: detail.usage, items }, 200);
  },
);

resourceRoute(
  recordedSession,
  {
    method: "get",
    path: "/tenants/{id}/realtime/sessions/{session_id}/chat_example",
    summary: "A Realtime session as a chat fine-tuning example",
    responses: ok(ChatExampleSchema, "The example"),
  },
  async (c, detail) => c.json(sessionToChatExample(detail), 200),
);

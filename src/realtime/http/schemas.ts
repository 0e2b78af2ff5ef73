import { z } from "@hono/zod-openapi";
import { TenantIdParams } from "../../admin/schemas";

/** OpenAI's rule for function names. */
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
export const DEFAULT_TOOL_TIMEOUT_MS = 10_000;
export const MAX_TOOL_PARAMETERS_CHARS = 16 * 1024;
/** Tools per tenant: every session carries all of them. */
export const MAX_TOOLS_PER_TENANT = 64;

export const RealtimeQuerySchema = z.object({
  model: z
    .string()
    .min(1)
    .optional()
    .openapi({ description: "The Realtime model of a new session, e.g. `gpt-realtime`." }),
  intent: z.enum(["transcription"]).optional().openapi({
    description:
      "`transcription` opens a transcription-only session (no `model`): input audio is transcribed, no responses.",
  }),
  edgegate_events: z.enum(["tool_calls"]).optional().openapi({
    description:
      "`tool_calls`: also send the gateway's own `edgegate.tool_call` events (`status` `running`, then `completed` or `failed`, with `call_id`, `name`, `arguments`, `output`, `error`, `duration_ms`) while server-side tools run, e.g. to show them in a UI. Off by default: OpenAI clients never see them.",
  }),
  session_id: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .openapi({ description: "Reattach to this session (the `session.id` of its `session.created`)." }),
  last_event_id: z.string().min(1).max(200).optional().openapi({
    description:
      "With `session_id`: the last server `event_id` the client received; later events are replayed.",
  }),
});

export const TenantToolParams = TenantIdParams.extend({
  name: z.string().regex(TOOL_NAME, "a tool name is 1-64 letters, digits, '_' or '-'"),
});

export const PutToolSchema = z
  .strictObject({
    description: z.string().min(1).max(1024),
    parameters: z
      .record(z.string(), z.unknown())
      .refine((schema) => JSON.stringify(schema).length <= MAX_TOOL_PARAMETERS_CHARS, {
        message: `at most ${MAX_TOOL_PARAMETERS_CHARS} characters of JSON Schema`,
      })
      .optional()
      .openapi({ description: "JSON Schema of the arguments; default: an object with no properties." }),
    url: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .openapi({ description: "Where calls are POSTed, signed with Standard Webhooks headers." }),
    timeout_ms: z
      .number()
      .int()
      .min(100)
      .max(60_000)
      .optional()
      .openapi({ description: `How long the tool may take; default ${DEFAULT_TOOL_TIMEOUT_MS}.` }),
  })
  .openapi("PutRealtimeToolRequest");

export const ToolSchema = z
  .object({
    object: z.literal("realtime.tool"),
    name: z.string(),
    description: z.string(),
    parameters: z.record(z.string(), z.unknown()),
    url: z.string(),
    timeout_ms: z.number().int(),
    created_at: z.number().int(),
    updated_at: z.number().int(),
  })
  .openapi("RealtimeTool");

export const SavedToolSchema = ToolSchema.extend({
  webhook_secret: z.string().optional().openapi({
    description:
      "The `whsec_…` secret that signs every tool call of this tenant. Returned once, with the tenant's first tool.",
  }),
}).openapi("SavedRealtimeTool");

export const ToolSecretSchema = z
  .object({ object: z.literal("realtime.tool_secret"), webhook_secret: z.string() })
  .openapi("RealtimeToolSecret");

const SessionFields = {
  object: z.literal("realtime.session_record"),
  id: z.string(),
  user: z.string(),
  key_id: z.string(),
  model: z.string(),
  type: z.enum(["realtime", "transcription"]).openapi({
    description: "`transcription` for a session opened with `?intent=transcription`.",
  }),
  status: z.enum(["active", "ended"]),
  end_reason: z.string().nullable(),
  instructions: z.string().nullable(),
  voice: z.string().nullable(),
  started_at: z.number().int(),
  ended_at: z.number().int().nullable(),
  usage: z.object({
    responses: z.number().int(),
    input_tokens: z.number().int(),
    output_tokens: z.number().int(),
    cached_tokens: z.number().int(),
    input_audio_seconds: z.number(),
    output_audio_seconds: z.number(),
  }),
  reconnects: z.number().int(),
  tool_calls: z.number().int(),
};

export const SessionRecordSchema = z.object(SessionFields).openapi("RealtimeSessionRecord");

export const SessionListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  before: z.coerce
    .number()
    .int()
    .optional()
    .openapi({ description: "Only sessions started before this unix time (for paging)." }),
  user: z.string().min(1).optional(),
});

export const SessionParams = TenantIdParams.extend({
  session_id: z.string().min(1),
});

const ChatMessageSchema = z.record(z.string(), z.unknown());

export const SessionItemSchema = z
  .object({
    item_id: z.string(),
    ordinal: z.number().int().openapi({ description: "Position in the conversation." }),
    type: z.string().openapi({ description: "`message`, `function_call` or `function_call_output`." }),
    role: z.string().nullable(),
    text: z.string().nullable().openapi({ description: "Typed text, or the transcript of audio." }),
    name: z.string().nullable(),
    call_id: z.string().nullable(),
    arguments: z.string().nullable(),
    output: z.string().nullable().openapi({
      description: "A call's output; on a server-side `function_call` item, what the tool answered.",
    }),
    server_tool: z.boolean().openapi({ description: "Part of a call the gateway ran (a tenant tool)." }),
    error: z.string().nullable().openapi({
      description:
        "On a server-side `function_call` item: why the tool failed (timeout, HTTP error, unreachable).",
    }),
    duration_ms: z.number().int().nullable().openapi({
      description: "On a server-side `function_call` item: how long the tool took to answer.",
    }),
  })
  .openapi("RealtimeSessionItem");

export const SessionDetailSchema = z
  .object({
    ...SessionFields,
    responses: z.array(z.record(z.string(), z.unknown())),
    items: z.array(SessionItemSchema),
  })
  .openapi("RealtimeSessionDetail");

export const ChatExampleSchema = z
  .object({ messages: z.array(ChatMessageSchema) })
  .openapi("RealtimeChatExample", { description: "A chat fine-tuning example (supervised format)." });

export const ClientSecretRequestSchema = z
  .strictObject({
    expires_after: z
      .strictObject({
        anchor: z.literal("created_at").optional(),
        seconds: z.number().int().min(10).max(7200),
      })
      .optional(),
    session: z.record(z.string(), z.unknown()).optional(),
  })
  .openapi("RealtimeClientSecretRequest");

export const ClientSecretSchema = z
  .object({ value: z.string(), expires_at: z.number().int(), session: z.record(z.string(), z.unknown()) })
  .openapi("RealtimeClientSecret");

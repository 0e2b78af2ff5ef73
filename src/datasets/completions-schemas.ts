import { z } from "@hono/zod-openapi";
import { pageSchema } from "../platform/lists";

export const MetadataSchema = z
  .record(z.string().max(64), z.string().max(512))
  .refine((m) => Object.keys(m).length <= 16, "at most 16 key-value pairs are allowed")
  .openapi("Metadata", { description: "Up to 16 string pairs; keys ≤64 characters, values ≤512." });

export const CompletionIdParams = z.object({ completion_id: z.string().min(1) });

const limit = z.coerce.number().int().min(1).max(100).default(20);
const order = z.enum(["asc", "desc"]).default("asc");

export const ListCompletionsQuery = z.object({
  model: z.string().optional(),
  after: z.string().optional(),
  limit,
  order,
});

export const ListMessagesQuery = z.object({ after: z.string().optional(), limit, order });

export const StoredCompletionSchema = z
  .looseObject({
    id: z.string(),
    object: z.literal("chat.completion"),
    model: z.string(),
    metadata: z.record(z.string(), z.string()),
    edgegate: z
      .object({
        cache_status: z.string(),
        latency_ms: z.number(),
        user: z.string().nullable(),
        feedback: z.object({ score: z.number(), correction: z.looseObject({}).nullable() }).nullable(),
      })
      .openapi({
        description: "Edgegate's capture details: cache status, gateway latency, end user, feedback.",
      }),
  })
  .openapi("StoredCompletion", { description: "The captured chat.completion with its metadata." });

export const StoredCompletionListSchema = pageSchema(StoredCompletionSchema).openapi("StoredCompletionList");

export const StoredMessageSchema = z
  .looseObject({
    id: z.string(),
    role: z.string(),
    content: z.string().nullable(),
    refusal: z.string().nullable(),
    name: z.string().nullable(),
    content_parts: z.array(z.record(z.string(), z.unknown())).nullable(),
  })
  .openapi("StoredCompletionMessage", {
    description:
      "A request message: `content` as text (text parts joined by newlines), its text and image parts in `content_parts`.",
  });

export const StoredMessageListSchema = pageSchema(StoredMessageSchema).openapi("StoredCompletionMessageList");

export const UpdateCompletionSchema = z.strictObject({ metadata: MetadataSchema.nullable() });

export const DeletedCompletionSchema = z
  .object({ object: z.literal("chat.completion.deleted"), id: z.string(), deleted: z.boolean() })
  .openapi("ChatCompletionDeleted");

const AssistantMessageSchema = z.looseObject({
  role: z.literal("assistant"),
  content: z.string().nullable().optional(),
  tool_calls: z.array(z.looseObject({})).optional(),
});

export const FeedbackRequestSchema = z
  .strictObject({
    score: z
      .number()
      .finite()
      .openapi({ description: "Any scale the app uses, e.g. 1 (thumbs up) / -1 (down)." }),
    correction: z.union([z.string(), AssistantMessageSchema]).optional().openapi({
      description: "The right answer (text or an assistant message); replaces the captured answer on import.",
    }),
  })
  .openapi("CompletionFeedbackRequest");

export const FeedbackSchema = z
  .object({
    object: z.literal("chat.completion.feedback"),
    completion_id: z.string(),
    score: z.number(),
    correction: z.looseObject({ role: z.literal("assistant") }).nullable(),
    created_at: z.number().int(),
  })
  .openapi("CompletionFeedback");

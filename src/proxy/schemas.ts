import { z } from "@hono/zod-openapi";

const MessageSchema = z.looseObject({
  role: z.enum(["developer", "system", "user", "assistant", "tool", "function"]),
});

/** The fields the gateway reads; everything else passes through to the provider untouched. */
export const ChatCompletionRequestSchema = z
  .looseObject({
    model: z.string().min(1),
    messages: z.array(MessageSchema).min(1),
    stream: z.boolean().nullable().optional(),
    user: z.string().optional(),
    safety_identifier: z.string().max(64).optional(),
  })
  .openapi("ChatCompletionRequest", { description: "OpenAI CreateChatCompletionRequest (passed through)." });

export const EmbeddingRequestSchema = z
  .looseObject({
    model: z.string().min(1),
    input: z.union([
      z.string(),
      z.array(z.string()).min(1),
      z.array(z.number().int()).min(1),
      z.array(z.array(z.number().int()).min(1)).min(1),
    ]),
    user: z.string().optional(),
  })
  .openapi("EmbeddingRequest", { description: "OpenAI CreateEmbeddingRequest (passed through)." });

export const ResponseRequestSchema = z
  .looseObject({
    model: z.string().min(1),
    input: z.union([z.string(), z.array(z.looseObject({}))]).optional(),
    stream: z.boolean().nullable().optional(),
    user: z.string().optional(),
    safety_identifier: z.string().max(64).optional(),
  })
  .openapi("ResponseRequest", { description: "OpenAI CreateResponse request (passed through)." });

export const UpstreamObjectSchema = z
  .looseObject({ object: z.string().optional() })
  .openapi("UpstreamObject", { description: "The provider's response object, relayed as is." });

export type ProxiedBody = {
  model: string;
  user?: string | undefined;
  safety_identifier?: string | undefined;
} & Record<string, unknown>;

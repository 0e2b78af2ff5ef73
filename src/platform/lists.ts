/**
 * The list shapes of the API: a whole list, and OpenAI's cursor page. Free of the Workers runtime, so
 * schema modules (which the console's typecheck reads) can use them.
 */
import { z } from "@hono/zod-openapi";

/** `{object: "list", data}`: a list that is returned whole. */
export function listSchema<T extends z.ZodType>(item: T) {
  return z.object({ object: z.literal("list"), data: z.array(item) });
}

/**
 * OpenAI's list page: `{object: "list", data, first_id, last_id, has_more}`, paged with `after`.
 * @see https://platform.openai.com/docs/api-reference/chat/list
 */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    object: z.literal("list"),
    data: z.array(item),
    first_id: z.string().openapi({ description: "The first item's id; an empty string on an empty page." }),
    last_id: z.string().openapi({ description: "The last item's id; an empty string on an empty page." }),
    has_more: z.boolean(),
  });
}

/**
 * The page body of {@link pageSchema} from the `data` items and whether more follow. OpenAI's spec
 * types `first_id` and `last_id` as strings, so an empty page has `""` in both rather than `null`.
 */
export function pageOf<T extends { id: unknown }>(data: T[], hasMore: boolean) {
  return {
    object: "list" as const,
    data,
    first_id: data.length > 0 ? String(data[0]?.id) : "",
    last_id: data.length > 0 ? String(data.at(-1)?.id) : "",
    has_more: hasMore,
  };
}

/** The image parts of a training example, with their paths, and the example without them. */

import type { JsonObject } from "../platform/json";
import type { Detail } from "./tokens";

export interface ImagePart {
  /** e.g. `messages[1].content[2]`. */
  path: string;
  role: string;
  url: unknown;
  detail: unknown;
}

const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

function messagesOf(example: unknown): unknown[] {
  return isObject(example) && Array.isArray(example.messages) ? example.messages : [];
}

/** Every `image_url` part in message order. */
export function imageParts(example: unknown): ImagePart[] {
  const out: ImagePart[] = [];
  messagesOf(example).forEach((m, i) => {
    if (!isObject(m) || !Array.isArray(m.content)) return;
    m.content.forEach((part, j) => {
      if (!isObject(part) || part.type !== "image_url") return;
      const image = isObject(part.image_url) ? part.image_url : {};
      out.push({
        path: `messages[${i}].content[${j}]`,
        role: String(m.role),
        url: image.url,
        detail: image.detail,
      });
    });
  });
  return out;
}

/** A copy with each image part replaced by an empty text part, for the text-only line checks. */
export function withoutImages(example: unknown): unknown {
  if (!isObject(example) || !Array.isArray(example.messages)) return example;
  const messages = example.messages.map((m) => {
    if (!isObject(m) || !Array.isArray(m.content)) return m;
    const content = m.content.map((p) =>
      isObject(p) && p.type === "image_url" ? { type: "text", text: "" } : p,
    );
    return { ...m, content };
  });
  return { ...example, messages };
}

/** Characters of text in all messages (content strings and text parts). */
export function textChars(example: unknown): number {
  let n = 0;
  for (const m of messagesOf(example)) {
    if (!isObject(m)) continue;
    if (typeof m.content === "string") n += m.content.length;
    else if (Array.isArray(m.content)) {
      for (const p of m.content) if (isObject(p) && typeof p.text === "string") n += p.text.length;
    }
  }
  return n;
}

export function detailOf(value: unknown): Detail | null {
  if (value === undefined) return "auto";
  return value === "auto" || value === "low" || value === "high" ? value : null;
}

/**
 * A copy of `container` with each content part of the items of its array `field` (chat `messages`,
 * Responses `input`) replaced by `part(p)`; items without a content array stay as they are.
 */
async function mapContentParts(
  container: JsonObject,
  field: "messages" | "input",
  part: (p: unknown) => Promise<unknown>,
): Promise<JsonObject> {
  const items = container[field];
  if (!Array.isArray(items)) return container;
  const mapped = await Promise.all(
    items.map(async (item) => {
      if (!isObject(item) || !Array.isArray(item.content)) return item;
      return { ...item, content: await Promise.all(item.content.map((p) => part(p))) };
    }),
  );
  return { ...container, [field]: mapped };
}

/** Replaces each image URL with `rewrite(url)` (same shape otherwise). */
export function mapImageUrls(
  example: JsonObject,
  rewrite: (url: string) => Promise<string>,
): Promise<JsonObject> {
  return mapContentParts(example, "messages", async (p) => {
    if (!isObject(p) || p.type !== "image_url" || !isObject(p.image_url)) return p;
    const url = p.image_url.url;
    if (typeof url !== "string") return p;
    return { ...p, image_url: { ...p.image_url, url: await rewrite(url) } };
  });
}

/**
 * Replaces each `input_image` URL of a Responses API request (`input` items' content parts, whose
 * `image_url` is a plain string), same shape otherwise.
 * @see https://platform.openai.com/docs/api-reference/responses/create
 */
export function mapInputImageUrls(
  request: JsonObject,
  rewrite: (url: string) => Promise<string>,
): Promise<JsonObject> {
  return mapContentParts(request, "input", async (p) =>
    isObject(p) && p.type === "input_image" && typeof p.image_url === "string"
      ? { ...p, image_url: await rewrite(p.image_url) }
      : p,
  );
}

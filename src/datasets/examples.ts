/**
 * Validation of one fine-tuning line: the supervised chat format (and, for vision datasets, image
 * parts in user messages), with errors that name the field.
 * @see docs/openai-reference.md D.4 and E
 */

export type DatasetKind = "chat" | "vision";
export type Example = Record<string, unknown>;

export interface ExampleError {
  /** 1-based line (or array position) of the example. */
  line: number;
  /** Path of the offending field inside the example, e.g. `messages[2].role`. */
  field: string;
  message: string;
}

const ROLES = new Set(["system", "developer", "user", "assistant", "tool", "function"]);
/** Images per example OpenAI accepts for vision fine-tuning. */
export const MAX_IMAGES_PER_EXAMPLE = 10;
/** Also `edgegate-image:sha256:…`, a captured image kept in the vision image store. */
const IMAGE_URL =
  /^(https?:\/\/\S+|data:image\/(jpeg|png|webp);base64,[A-Za-z0-9+/=]+|edgegate-image:sha256:[0-9a-f]{64})$/;

class Invalid extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

interface Walk {
  kind: DatasetKind;
  images: number;
  maxImages: number;
  /** Tool calls not yet answered by a `tool` message. */
  openCalls: Set<string>;
}

function checkPart(part: unknown, at: string, role: string, w: Walk): void {
  if (!isObject(part)) throw new Invalid(at, "content parts must be objects");
  if (part.type === "text") {
    if (typeof part.text !== "string") throw new Invalid(`${at}.text`, "must be a string");
    return;
  }
  if (part.type !== "image_url") throw new Invalid(`${at}.type`, "must be 'text' or 'image_url'");
  if (w.kind !== "vision") throw new Invalid(at, "images are only accepted in datasets of kind 'vision'");
  if (role !== "user") throw new Invalid(at, "images are only allowed in user messages");
  const url = isObject(part.image_url) ? part.image_url.url : undefined;
  if (typeof url !== "string" || !IMAGE_URL.test(url)) {
    throw new Invalid(
      `${at}.image_url.url`,
      "must be an http(s) URL or a base64 data URL of a JPEG, PNG or WEBP image",
    );
  }
  if (++w.images > w.maxImages) {
    throw new Invalid(at, `at most ${w.maxImages} images are allowed per example`);
  }
}

function checkContent(m: Record<string, unknown>, at: string, role: string, w: Walk): void {
  const content = m.content;
  if (typeof content === "string") return;
  if (content === null || content === undefined) {
    if (role === "assistant" && Array.isArray(m.tool_calls)) return;
    throw new Invalid(`${at}.content`, "is required");
  }
  if (!Array.isArray(content) || content.length === 0) {
    throw new Invalid(`${at}.content`, "must be a string or a non-empty array of content parts");
  }
  for (const [i, part] of content.entries()) checkPart(part, `${at}.content[${i}]`, role, w);
}

function checkToolCalls(calls: unknown, at: string, w: Walk): void {
  if (!Array.isArray(calls) || calls.length === 0) throw new Invalid(at, "must be a non-empty array");
  calls.forEach((call, i) => {
    const here = `${at}[${i}]`;
    if (!isObject(call) || typeof call.id !== "string" || call.id === "")
      throw new Invalid(`${here}.id`, "is required");
    const fn = call.function;
    if (!isObject(fn) || typeof fn.name !== "string")
      throw new Invalid(`${here}.function.name`, "is required");
    if (typeof fn.arguments !== "string")
      throw new Invalid(`${here}.function.arguments`, "must be a JSON string");
    w.openCalls.add(call.id);
  });
}

function checkMessage(m: unknown, at: string, isLast: boolean, w: Walk): void {
  if (!isObject(m)) throw new Invalid(at, "must be an object");
  const role = m.role;
  if (typeof role !== "string" || !ROLES.has(role)) {
    throw new Invalid(`${at}.role`, `must be one of ${[...ROLES].join(", ")}`);
  }
  if (role === "tool") {
    const id = m.tool_call_id;
    if (typeof id !== "string" || !w.openCalls.delete(id)) {
      throw new Invalid(`${at}.tool_call_id`, "must answer a tool call of an earlier assistant message");
    }
  } else if (w.openCalls.size > 0) {
    throw new Invalid(at, `tool call(s) ${[...w.openCalls].join(", ")} have no tool message answering them`);
  }
  checkContent(m, at, role, w);
  if (m.tool_calls !== undefined) {
    if (role !== "assistant") throw new Invalid(`${at}.tool_calls`, "only assistant messages can call tools");
    checkToolCalls(m.tool_calls, `${at}.tool_calls`, w);
  }
  if (m.weight !== undefined && m.weight !== 0 && m.weight !== 1)
    throw new Invalid(`${at}.weight`, "must be 0 or 1");
  if (isLast && role !== "assistant")
    throw new Invalid(`${at}.role`, "the last message must be from the assistant");
}

function checkExample(value: unknown, kind: DatasetKind, maxImages: number): void {
  if (!isObject(value)) throw new Invalid("", "each example must be a JSON object");
  const messages = value.messages;
  if (!Array.isArray(messages) || messages.length === 0)
    throw new Invalid("messages", "must be a non-empty array");
  const w: Walk = { kind, images: 0, maxImages, openCalls: new Set() };
  messages.forEach((m, i) => {
    const isLast = i === messages.length - 1;
    checkMessage(m, `messages[${i}]`, isLast, w);
    // The final assistant turn may call tools: that call is what is trained.
    if (isLast) w.openCalls.clear();
  });
  if (value.tools !== undefined && !Array.isArray(value.tools))
    throw new Invalid("tools", "must be an array");
  if (value.parallel_tool_calls !== undefined && typeof value.parallel_tool_calls !== "boolean") {
    throw new Invalid("parallel_tool_calls", "must be a boolean");
  }
}

/** Null when `value` is a valid training line, else the first problem with its field. */
export function validateExample(
  value: unknown,
  kind: DatasetKind,
  line: number,
  /** The tenant's `vision.max_images_per_example` (OpenAI: 10, Azure: 64). */
  maxImages = MAX_IMAGES_PER_EXAMPLE,
): ExampleError | null {
  try {
    checkExample(value, kind, maxImages);
    return null;
  } catch (err) {
    if (err instanceof Invalid) return { line, field: err.field, message: err.message };
    throw err;
  }
}

/** Parses JSONL text (blank lines ignored) into values, or the first unparsable line. */
export function parseJsonl(
  text: string,
): { values: { line: number; value: unknown }[] } | { error: ExampleError } {
  const values: { line: number; value: unknown }[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]?.trim() ?? "";
    if (raw === "") continue;
    try {
      values.push({ line: i + 1, value: JSON.parse(raw) });
    } catch {
      return { error: { line: i + 1, field: "", message: "is not valid JSON" } };
    }
  }
  return { values };
}

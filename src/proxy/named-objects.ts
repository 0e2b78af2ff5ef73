/**
 * Provider objects a model call names besides its model, checked before anything is sent. Every
 * tenant's files live on the one shared provider account, so a file id of another tenant would have
 * the model read that tenant's file: each named file must be one the tenant owns, and any other
 * answers as the file routes answer it (404 `file_not_found`). The gateway creates no conversations,
 * so on a shared account a `conversation` is nobody's and answers the provider's 404 for an unknown
 * one. What passes through unchecked, and why, is in docs/security/ownership.md.
 *
 * This runs on every chat completion and response: a body that names no file costs one walk of its
 * content parts and no query; one that names files costs one query for all of them.
 * @see https://platform.openai.com/docs/api-reference/chat/create (`file` content parts)
 * @see https://platform.openai.com/docs/api-reference/responses/create (`input_file`, `input_image`, `conversation`)
 */
import type { Context } from "hono";
import type { CacheKind } from "../cache/key";
import { fileNotFound } from "../finetune/job-inputs";
import { ownedObjectBaseUrls } from "../finetune/owned-repository";
import { fineTuningBaseUrl } from "../finetune/provider";
import type { AppEnv } from "../platform/env";
import { GatewayError } from "../platform/errors";
import { asArray, asObject, asString, type JsonObject } from "../platform/json";
import type { ProviderAccount } from "../providers";

/** A file id a body names, with the field an error about it names. */
interface NamedFile {
  id: string;
  param: string;
}

/** Chat Completions: the `file` parts (`{type: "file", file: {file_id}}`) of any message's content. */
function chatFiles(body: JsonObject): NamedFile[] {
  const found: NamedFile[] = [];
  const messages = asArray(body.messages) ?? [];
  for (let m = 0; m < messages.length; m++) {
    const content = asArray(asObject(messages[m])?.content);
    if (!content) continue;
    for (let p = 0; p < content.length; p++) {
      const part = asObject(content[p]);
      if (part?.type !== "file") continue;
      const id = asString(asObject(part.file)?.file_id);
      if (id !== undefined) found.push({ id, param: `messages[${m}].content[${p}].file.file_id` });
    }
  }
  return found;
}

/** Responses content part types that may carry a `file_id`. */
const FILE_PARTS: ReadonlySet<unknown> = new Set(["input_file", "input_image"]);

/**
 * The Responses API: `input_file` and `input_image` parts with a `file_id`, in a message item's
 * `content` or a tool output item's `output` list, and the `file_ids` of a `code_interpreter` tool's
 * automatic container (which the provider copies into the container the model's code reads).
 */
function responseFiles(body: JsonObject): NamedFile[] {
  const found: NamedFile[] = [];
  const input = asArray(body.input) ?? [];
  for (let i = 0; i < input.length; i++) {
    const item = asObject(input[i]);
    if (!item) continue;
    for (const field of ["content", "output"] as const) {
      const parts = asArray(item[field]);
      if (!parts) continue;
      for (let p = 0; p < parts.length; p++) {
        const part = asObject(parts[p]);
        if (!part || !FILE_PARTS.has(part.type)) continue;
        const id = asString(part.file_id);
        if (id !== undefined) found.push({ id, param: `input[${i}].${field}[${p}].file_id` });
      }
    }
  }
  const tools = asArray(body.tools) ?? [];
  for (let t = 0; t < tools.length; t++) {
    const tool = asObject(tools[t]);
    if (tool?.type !== "code_interpreter") continue;
    const ids = asArray(asObject(tool.container)?.file_ids) ?? [];
    ids.forEach((id, k) => {
      if (typeof id === "string") found.push({ id, param: `tools[${t}].container.file_ids[${k}]` });
    });
  }
  return found;
}

/** The files a model call of `kind` names (embeddings name none). */
function namedFiles(kind: CacheKind, body: JsonObject): NamedFile[] {
  if (kind === "chat") return chatFiles(body);
  if (kind === "responses") return responseFiles(body);
  return [];
}

/** The conversation id a Responses body names (`"conv_…"` or `{id}`), if any. */
function namedConversation(body: JsonObject): string | undefined {
  const conversation = body.conversation;
  return asString(conversation) ?? asString(asObject(conversation)?.id);
}

const sameApi = (a: string, b: string) => a.replace(/\/+$/, "") === b.replace(/\/+$/, "");

/**
 * Refuses a model call on a shared provider account (`account`) that names a file the caller does
 * not own there, or a conversation. A file id means something only on the API it was uploaded to
 * (a tenant's fine-tuning API is another account), so the file must be the tenant's and have been
 * made on the call's API. Files belong to the tenant, never to an end user: the file routes take
 * API keys only, so an end-user token owns no file and may name none (the same 404, without a query).
 */
export async function assertNamedObjects(
  c: Context<AppEnv>,
  kind: CacheKind,
  body: JsonObject,
  account: ProviderAccount,
): Promise<void> {
  if (kind === "responses") {
    const conversation = namedConversation(body);
    if (conversation !== undefined) {
      throw new GatewayError(404, `Conversation with id '${conversation}' not found.`, {
        param: "conversation",
      });
    }
  }
  const files = namedFiles(kind, body);
  const [first] = files;
  if (!first) return;
  const principal = c.get("principal");
  if (principal.kind === "user_token") {
    throw new GatewayError(
      404,
      `No such File object: ${first.id}. Files belong to the tenant's API keys; an end-user token cannot name one.`,
      { param: first.param, code: "file_not_found" },
    );
  }
  const owned = await ownedObjectBaseUrls(
    c.env.DB,
    principal.tenant.id,
    files.map((f) => f.id),
    "file",
  );
  const api = account.baseUrl ?? c.env.OPENAI_BASE_URL;
  // A row without its API was made where the file routes send the tenant's files (as they read it).
  const madeOn = (id: string) => owned.get(id) ?? fineTuningBaseUrl(c.env, principal.tenant.settings);
  const foreign = files.find((f) => !owned.has(f.id) || !sameApi(madeOn(f.id), api));
  if (foreign) throw fileNotFound(foreign.id, foreign.param);
}

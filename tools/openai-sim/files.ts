/**
 * The Files API: multipart upload, list, retrieve, download and delete.
 * @see docs/openai-reference.md D.3
 */
import type { FileDeleted, FileObject, FilePurpose } from "openai/resources/files";
import { badRequest, invalidValue, missing, SimError } from "./errors";
import { json, paginate, param, type RequestContext, type Route } from "./http";
import { boundaryOf, parseMultipart } from "./multipart";
import { LIMITS, type SimStore } from "./store";
import { nowSeconds, randomId } from "./text";

/** The SDK's `FileObject` lags the API: `evals` is a valid upload purpose (D.3). */
export type SimFileObject = Omit<FileObject, "purpose"> & { purpose: FileObject["purpose"] | "evals" };

export interface StoredFile {
  meta: SimFileObject;
  content: Buffer;
}

const PURPOSES: readonly FilePurpose[] = ["assistants", "batch", "fine-tune", "vision", "user_data", "evals"];
const JSONL_ONLY: Partial<Record<FilePurpose, string>> = { "fine-tune": "Fine-Tuning", batch: "Batch" };
const BATCH_DEFAULT_TTL_SECONDS = 30 * 24 * 3600;

function storedBytes(store: SimStore): number {
  let total = 0;
  for (const file of store.files.values()) total += file.content.length;
  return total;
}

/** Stores a file (uploaded or produced by the simulator, e.g. fine-tuning results). */
export function createFile(
  store: SimStore,
  filename: string,
  purpose: SimFileObject["purpose"],
  content: Buffer,
  expiresInSeconds?: number,
): SimFileObject {
  if (store.files.size >= LIMITS.files || storedBytes(store) + content.length > LIMITS.fileBytes) {
    throw badRequest(
      "The simulator's file storage is full; delete some files first.",
      "file",
      "quota_exceeded",
    );
  }
  const created = nowSeconds();
  const meta: SimFileObject = {
    object: "file",
    id: randomId("file-", 22),
    purpose,
    filename,
    bytes: content.length,
    created_at: created,
    status: "processed",
  };
  if (expiresInSeconds !== undefined) meta.expires_at = created + expiresInSeconds;
  store.files.set(meta.id, { meta, content });
  return meta;
}

/** A live file, or OpenAI's 404; expired files are removed on access. */
export function getFile(store: SimStore, id: string, paramName = "id"): StoredFile {
  const file = store.files.get(id);
  if (file?.meta.expires_at !== undefined && file.meta.expires_at <= nowSeconds()) store.files.delete(id);
  const live = store.files.get(id);
  if (!live) throw new SimError(404, `No such File object: ${id}`, "invalid_request_error", paramName, null);
  return live;
}

function parseExpiresAfter(fields: Map<string, string>, purpose: FilePurpose): number | undefined {
  const anchor = fields.get("expires_after[anchor]");
  const seconds = fields.get("expires_after[seconds]");
  if (anchor === undefined && seconds === undefined)
    return purpose === "batch" ? BATCH_DEFAULT_TTL_SECONDS : undefined;
  if (anchor !== "created_at") throw invalidValue("expires_after.anchor", anchor, ["created_at"]);
  const value = Number(seconds);
  if (!Number.isInteger(value) || value < 3600 || value > 2592000) {
    throw badRequest(
      `Invalid 'expires_after.seconds': expected an integer between 3600 and 2592000, but got '${seconds}' instead.`,
      "expires_after.seconds",
      "invalid_value",
    );
  }
  return value;
}

async function upload(ctx: RequestContext): Promise<SimFileObject> {
  const contentType = ctx.req.headers["content-type"];
  const boundary = boundaryOf(contentType);
  if (!boundary) {
    throw badRequest(`Invalid Content-Type header (${contentType ?? "none"}), expected multipart/form-data.`);
  }
  const form = parseMultipart(await ctx.readBody(), boundary);
  const purpose = form.fields.get("purpose");
  if (purpose === undefined) throw missing("purpose");
  if (!(PURPOSES as readonly string[]).includes(purpose)) throw invalidValue("purpose", purpose, PURPOSES);
  const file = form.files.get("file");
  if (!file) throw missing("file");
  const api = JSONL_ONLY[purpose as FilePurpose];
  if (api && !file.filename.toLowerCase().endsWith(".jsonl")) {
    throw badRequest(`Invalid file format for ${api} API. Must be .jsonl`, "file", "invalid_file_format");
  }
  if (file.data.length === 0) throw badRequest("File is empty.", "file", "empty_file");
  const expires = parseExpiresAfter(form.fields, purpose as FilePurpose);
  return createFile(ctx.store, file.filename, purpose as FilePurpose, file.data, expires);
}

function list(ctx: RequestContext): ReturnType<typeof paginate<SimFileObject>> {
  const purpose = ctx.query.get("purpose");
  const order = ctx.query.get("order") ?? "desc";
  if (order !== "asc" && order !== "desc") throw invalidValue("order", order, ["asc", "desc"]);
  const now = nowSeconds();
  const files = [...ctx.store.files.values()]
    .map((f) => f.meta)
    .filter(
      (m) => (purpose ? m.purpose === purpose : true) && (m.expires_at === undefined || m.expires_at > now),
    );
  if (order === "desc") files.reverse();
  return paginate(files, ctx.query, 10_000, 10_000);
}

export const fileRoutes: Route[] = [
  { method: "POST", pattern: /^\/v1\/files$/, handler: async (ctx) => json(await upload(ctx)) },
  { method: "GET", pattern: /^\/v1\/files$/, handler: (ctx) => json(list(ctx)) },
  {
    method: "GET",
    pattern: /^\/v1\/files\/([^/]+)$/,
    handler: (ctx) => json(getFile(ctx.store, param(ctx, 0)).meta),
  },
  {
    method: "GET",
    pattern: /^\/v1\/files\/([^/]+)\/content$/,
    handler: (ctx) => {
      const file = getFile(ctx.store, param(ctx, 0));
      if (file.meta.purpose === "assistants") {
        throw badRequest("Not allowed to download files of purpose: assistants.");
      }
      return { kind: "raw", status: 200, body: file.content, contentType: "application/octet-stream" };
    },
  },
  {
    method: "DELETE",
    pattern: /^\/v1\/files\/([^/]+)$/,
    handler: (ctx) => {
      const { meta } = getFile(ctx.store, param(ctx, 0));
      ctx.store.files.delete(meta.id);
      const deleted: FileDeleted = { id: meta.id, object: "file", deleted: true };
      return json(deleted);
    },
  },
];

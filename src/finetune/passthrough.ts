/**
 * `/v1/files*` and `/v1/fine_tuning/jobs*` relayed to the fine-tuning API for SDK users. The
 * provider account is shared, so objects a tenant creates are recorded and only those are shown to it.
 * @see OPENAI-REFERENCE.md D.3 and D.5
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../platform/env";
import { GatewayError } from "../platform/errors";
import { createApp, errorResponses } from "../platform/openapi";
import { enforceRateLimit } from "../ratelimit";
import { relayResponse } from "../upstream";
import { call, fineTuningBaseUrl, type Json } from "./provider";
import { ownedIds, ownsObject, recordOwner } from "./repository";

const security = [{ bearer: [] }];
const relayed = {
  200: {
    description: "The provider's answer (file content downloads keep their own type)",
    content: {
      "application/json": { schema: z.looseObject({}) },
      "application/octet-stream": { schema: z.string() },
    },
  },
  ...errorResponses,
};
const FileId = z.object({ file_id: z.string().min(1) });
const JobId = z.object({ job_id: z.string().min(1) });

function notFound(kind: string, id: string): GatewayError {
  return new GatewayError(404, `No ${kind} found with id '${id}'.`, { code: "not_found" });
}

async function send(c: Context<AppEnv>, method: "GET" | "POST" | "DELETE", path: string, body?: ArrayBuffer) {
  await enforceRateLimit(c.env, c.get("principal"), c.get("principal").userId);
  const search = new URL(c.req.url).search;
  const contentType = c.req.header("content-type");
  return call(c.env, fineTuningBaseUrl(c.env, c.get("principal").tenant.settings), {
    method,
    path: `${path}${search}`,
    body: body ?? null,
    ...(contentType && body ? { contentType } : {}),
    requestId: c.get("requestId"),
  });
}

/** Relays a create and records the new object as the tenant's. */
async function create(c: Context<AppEnv>, path: string, kind: string): Promise<Response> {
  const res = await send(c, "POST", path, await c.req.arrayBuffer());
  if (!res.ok) return relayResponse(res);
  const created = (await res.json()) as Json;
  await recordOwner(c.env.DB, c.get("principal").tenant.id, String(created.id), kind);
  return c.json(created, 200);
}

/** Relays a read or action on one object the tenant owns. */
async function owned(
  c: Context<AppEnv>,
  kind: string,
  id: string,
  method: "GET" | "POST" | "DELETE",
  path: string,
) {
  if (!(await ownsObject(c.env.DB, c.get("principal").tenant.id, id))) throw notFound(kind, id);
  return relayResponse(await send(c, method, path, method === "POST" ? new ArrayBuffer(0) : undefined));
}

/** Relays a list, keeping only the tenant's objects. */
async function list(c: Context<AppEnv>, path: string): Promise<Response> {
  const res = await send(c, "GET", path);
  if (!res.ok) return relayResponse(res);
  const page = (await res.json()) as Json & { data?: Json[] };
  const data = page.data ?? [];
  const mine = await ownedIds(
    c.env.DB,
    c.get("principal").tenant.id,
    data.map((o) => String(o.id)),
  );
  return c.json({ ...page, data: data.filter((o) => mine.has(String(o.id))) }, 200);
}

export const passthrough = createApp();
const route = <M extends "get" | "post" | "delete", P extends string>(
  method: M,
  path: P,
  summary: string,
  params: z.ZodObject = z.object({}),
) =>
  createRoute({
    method,
    path,
    tags: ["Files and fine-tuning (pass-through)"],
    security,
    summary,
    request: { params },
    responses: relayed,
  });

passthrough.openapi(route("post", "/files", "Upload a file (multipart, relayed)"), (c) =>
  create(c, "/files", "file"),
);
passthrough.openapi(route("get", "/files", "List the tenant's files"), (c) => list(c, "/files"));
passthrough.openapi(route("get", "/files/{file_id}", "Retrieve a file", FileId), (c) => {
  const id = c.req.param("file_id") ?? "";
  return owned(c, "file", id, "GET", `/files/${encodeURIComponent(id)}`);
});
passthrough.openapi(route("delete", "/files/{file_id}", "Delete a file", FileId), (c) => {
  const id = c.req.param("file_id") ?? "";
  return owned(c, "file", id, "DELETE", `/files/${encodeURIComponent(id)}`);
});
passthrough.openapi(route("get", "/files/{file_id}/content", "Download a file's content", FileId), (c) => {
  const id = c.req.param("file_id") ?? "";
  return owned(c, "file", id, "GET", `/files/${encodeURIComponent(id)}/content`);
});
passthrough.openapi(route("post", "/fine_tuning/jobs", "Create a fine-tuning job (relayed)"), (c) =>
  create(c, "/fine_tuning/jobs", "fine_tuning.job"),
);
passthrough.openapi(route("get", "/fine_tuning/jobs", "List the tenant's fine-tuning jobs"), (c) =>
  list(c, "/fine_tuning/jobs"),
);
passthrough.openapi(route("get", "/fine_tuning/jobs/{job_id}", "Retrieve a fine-tuning job", JobId), (c) => {
  const id = c.req.param("job_id") ?? "";
  return owned(c, "fine-tuning job", id, "GET", `/fine_tuning/jobs/${encodeURIComponent(id)}`);
});
for (const action of ["cancel", "pause", "resume"] as const) {
  passthrough.openapi(
    route("post", `/fine_tuning/jobs/{job_id}/${action}`, `${action} a fine-tuning job`, JobId),
    (c) => {
      const id = c.req.param("job_id") ?? "";
      return owned(c, "fine-tuning job", id, "POST", `/fine_tuning/jobs/${encodeURIComponent(id)}/${action}`);
    },
  );
}
for (const sub of ["events", "checkpoints"] as const) {
  passthrough.openapi(
    route("get", `/fine_tuning/jobs/{job_id}/${sub}`, `List a fine-tuning job's ${sub}`, JobId),
    (c) => {
      const id = c.req.param("job_id") ?? "";
      return owned(c, "fine-tuning job", id, "GET", `/fine_tuning/jobs/${encodeURIComponent(id)}/${sub}`);
    },
  );
}

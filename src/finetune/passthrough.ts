/**
 * `/v1/files*` and `/v1/fine_tuning/jobs*` relayed to the fine-tuning API for SDK users. The
 * provider account is shared, so every object a tenant creates (and every model and result file its
 * jobs produce) is recorded as the tenant's; reads of anything else answer 404, and lists are built
 * from those records, never from the provider's list.
 * @see docs/openai-reference.md D.3 and D.5
 */
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../platform/env";
import { notFound } from "../platform/errors";
import { type JsonObject, parseColumn } from "../platform/json";
import { errorResponses } from "../platform/openapi";
import { jsonBody, type OwnedResource, pageOf, routeKit } from "../platform/route-kit";
import { enforceRateLimit } from "../ratelimit";
import { relayResponse } from "../upstream";
import { assertBaseModel, assertOwnFile } from "./job-inputs";
import { FILE_LIST, JOB_LIST, type ListRules, listQuery } from "./lists";
import { forgetOwned, type OwnedKind, type OwnedRow, ownedObject, pageOwned } from "./owned-repository";
import { rememberFile, rememberJob, tenantView } from "./ownership";
import { call, fineTuningBaseUrl, getUpstream } from "./provider";
import { FINISHED } from "./repository";
import { CreateFineTuningJobSchema } from "./schemas";

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

const tenantOf = (c: Context<AppEnv>) => c.get("principal").tenant;
const baseUrlOf = (c: Context<AppEnv>, row?: OwnedRow | null) =>
  row?.base_url ?? fineTuningBaseUrl(c.env, tenantOf(c).settings);

interface Sent {
  method: "GET" | "POST" | "DELETE";
  path: string;
  body?: ArrayBuffer | string;
  contentType?: string;
  baseUrl?: string;
}

const limitRate = (c: Context<AppEnv>) =>
  enforceRateLimit(c.env, c.get("principal"), c.get("principal").userId);

async function send(c: Context<AppEnv>, req: Sent) {
  await limitRate(c);
  const search = new URL(c.req.url).search;
  return call(c.env, req.baseUrl ?? baseUrlOf(c), {
    method: req.method,
    path: `${req.path}${search}`,
    body: req.body ?? null,
    ...(req.contentType && req.body !== undefined ? { contentType: req.contentType } : {}),
    requestId: c.get("requestId"),
  });
}

/** The provider's JSON answer as the tenant sees it, and the parsed object to record. */
async function relayJson(upstream: Response): Promise<{ res: Response; json: JsonObject | null }> {
  const text = await upstream.text();
  let json: JsonObject | null = null;
  try {
    json = JSON.parse(text) as JsonObject;
  } catch {
    return { res: relayResponse(new Response(text, upstream)), json: null };
  }
  return { res: relayResponse(new Response(JSON.stringify(tenantView(json)), upstream)), json };
}

/** The tenant's record of one object, or 404 as if it did not exist. */
async function mustOwn(c: Context<AppEnv>, kind: OwnedKind, label: string, id: string): Promise<OwnedRow> {
  const row = await ownedObject(c.env.DB, tenantOf(c).id, id, kind);
  if (!row) throw notFound(label, id);
  return row;
}

/** `/files/{file_id}`: a file the tenant owns, or 404 as if it did not exist. */
const ownedFile: OwnedResource<typeof FileId, OwnedRow> = {
  params: FileId,
  load: (c, { file_id }) => mustOwn(c, "file", "file", file_id),
};

/** `/fine_tuning/jobs/{job_id}`: a job the tenant owns, or 404 as if it did not exist. */
const ownedJob: OwnedResource<typeof JobId, OwnedRow> = {
  params: JobId,
  load: (c, { job_id }) => mustOwn(c, "fine_tuning.job", "fine-tuning job", job_id),
};

/** `GET path` of an object the tenant owns, relayed as the provider answers it. */
async function relayGet(c: Context<AppEnv>, row: OwnedRow, path: string): Promise<Response> {
  return relayResponse(await send(c, { method: "GET", path, baseUrl: baseUrlOf(c, row) }));
}

/** A read of or an action on a job the tenant owns; the answer refreshes the tenant's records. */
async function jobCall(
  c: Context<AppEnv>,
  row: OwnedRow,
  method: "GET" | "POST",
  suffix = "",
): Promise<Response> {
  const baseUrl = baseUrlOf(c, row);
  const path = `/fine_tuning/jobs/${encodeURIComponent(row.object_id)}${suffix}`;
  const upstream = await send(c, { method, path, baseUrl, ...(method === "POST" ? { body: "" } : {}) });
  if (!upstream.ok) return relayResponse(upstream);
  const { res, json } = await relayJson(upstream);
  if (json?.object === "fine_tuning.job") await rememberJob(c.env, tenantOf(c).id, baseUrl, json);
  return res;
}

/** A job from the tenant's list: unfinished ones are read live (the kept copy when that fails). */
async function liveJob(c: Context<AppEnv>, row: OwnedRow): Promise<JsonObject | null> {
  const kept = parseColumn<JsonObject>(row.body);
  if (kept && FINISHED.includes(String(kept.status))) return kept;
  const baseUrl = baseUrlOf(c, row);
  try {
    const job = await getUpstream(c.env, baseUrl, `/fine_tuning/jobs/${encodeURIComponent(row.object_id)}`);
    await rememberJob(c.env, row.tenant_id, baseUrl, job);
    return job;
  } catch {
    return kept;
  }
}

/** A file from the tenant's list; a record without a kept copy (made before copies were kept) is read once. */
async function keptFile(c: Context<AppEnv>, row: OwnedRow): Promise<JsonObject | null> {
  if (row.body) return parseColumn<JsonObject>(row.body);
  const baseUrl = baseUrlOf(c, row);
  const file = await getUpstream(c.env, baseUrl, `/files/${encodeURIComponent(row.object_id)}`).catch(
    () => null,
  );
  if (file) await rememberFile(c.env.DB, row.tenant_id, baseUrl, file);
  return file;
}

const {
  router: passthrough,
  add,
  resourceRoute,
} = routeKit({ tags: ["Files and fine-tuning (pass-through)"] });

export { passthrough };

/** A relayed route: the provider's answer is the route's. */
const relay = <M extends "get" | "post" | "delete", P extends string>(
  method: M,
  path: P,
  summary: string,
  description?: string,
) => ({ method, path, summary, ...(description ? { description } : {}), responses: relayed });

/**
 * A list of the tenant's objects of `rules`, built from the gateway's records: each row is read with
 * `read` (null leaves it out), and the page says whether more of the tenant's objects follow.
 */
function listRoute(
  config: ReturnType<typeof relay<"get", string>>,
  rules: ListRules,
  read: (c: Context<AppEnv>, row: OwnedRow) => Promise<JsonObject | null>,
): void {
  add(config, async (c) => {
    await limitRate(c);
    const { rows, hasMore } = await pageOwned(c.env.DB, listQuery(tenantOf(c).id, c.req.url, rules));
    const items = (await Promise.all(rows.map((row) => read(c, row)))).filter(
      (item): item is JsonObject => item !== null,
    );
    return c.json(pageOf(items as { id: unknown }[], hasMore), 200);
  });
}

add(relay("post", "/files", "Upload a file (multipart, relayed)"), async (c) => {
  const baseUrl = baseUrlOf(c);
  const upstream = await send(c, {
    method: "POST",
    path: "/files",
    body: await c.req.arrayBuffer(),
    contentType: c.req.header("content-type") ?? "",
    baseUrl,
  });
  if (!upstream.ok) return relayResponse(upstream);
  const { res, json } = await relayJson(upstream);
  if (json?.id) await rememberFile(c.env.DB, tenantOf(c).id, baseUrl, json);
  return res;
});
listRoute(
  relay(
    "get",
    "/files",
    "List the tenant's files",
    "Built from the gateway's records of the files the tenant uploaded and its jobs produced (`purpose`, `order`, `after`, `limit` as OpenAI's); `first_id`, `last_id` and `has_more` describe the tenant's files only.",
  ),
  FILE_LIST,
  keptFile,
);
resourceRoute(ownedFile, relay("get", "/files/{file_id}", "Retrieve a file"), (c, row) =>
  relayGet(c, row, `/files/${encodeURIComponent(row.object_id)}`),
);
resourceRoute(ownedFile, relay("delete", "/files/{file_id}", "Delete a file"), async (c, row) => {
  const path = `/files/${encodeURIComponent(row.object_id)}`;
  const upstream = await send(c, { method: "DELETE", path, baseUrl: baseUrlOf(c, row) });
  if (upstream.ok) await forgetOwned(c.env.DB, row.tenant_id, row.object_id);
  return relayResponse(upstream);
});
resourceRoute(
  ownedFile,
  relay(
    "get",
    "/files/{file_id}/content",
    "Download a file's content",
    "The tenant's uploads and the result files of its own jobs.",
  ),
  (c, row) => relayGet(c, row, `/files/${encodeURIComponent(row.object_id)}/content`),
);
add(
  {
    method: "post",
    path: "/fine_tuning/jobs",
    summary: "Create a fine-tuning job (checked, then relayed)",
    description:
      "`training_file` and `validation_file` must be files the tenant uploaded (else 404 naming the parameter); `model` must be within the tenant's `allowed_models`, and a fine-tuned base must be the tenant's own. On OpenAI's API, no job is taken from its fine-tuning cutoff (400 `fine_tuning_unavailable`) nor on a base model past its shutdown (400 `model_shut_down`; docs/providers.md).",
    request: {
      body: jsonBody(CreateFineTuningJobSchema),
    },
    responses: relayed,
  },
  async (c, { json: body }) => {
    await assertBaseModel(c, body.model);
    await assertOwnFile(c, body.training_file, "training_file");
    if (body.validation_file) await assertOwnFile(c, body.validation_file, "validation_file");
    const baseUrl = baseUrlOf(c);
    // Re-serialised from what was checked, so the provider reads the same fields the gateway did.
    const upstream = await send(c, {
      method: "POST",
      path: "/fine_tuning/jobs",
      body: JSON.stringify(body),
      contentType: "application/json",
      baseUrl,
    });
    if (!upstream.ok) return relayResponse(upstream);
    const { res, json } = await relayJson(upstream);
    if (json?.id) await rememberJob(c.env, tenantOf(c).id, baseUrl, json);
    return res;
  },
);
listRoute(
  relay(
    "get",
    "/fine_tuning/jobs",
    "List the tenant's fine-tuning jobs",
    "Built from the gateway's records of the tenant's jobs, newest first (`after`, `limit`, `metadata[key]=value`); unfinished jobs are read live.",
  ),
  JOB_LIST,
  async (c, row) => {
    const job = await liveJob(c, row);
    return job && tenantView(job);
  },
);
resourceRoute(ownedJob, relay("get", "/fine_tuning/jobs/{job_id}", "Retrieve a fine-tuning job"), (c, row) =>
  jobCall(c, row, "GET"),
);
for (const action of ["cancel", "pause", "resume"] as const) {
  resourceRoute(
    ownedJob,
    relay("post", `/fine_tuning/jobs/{job_id}/${action}`, `${action} a fine-tuning job`),
    (c, row) => jobCall(c, row, "POST", `/${action}`),
  );
}
for (const sub of ["events", "checkpoints"] as const) {
  resourceRoute(
    ownedJob,
    relay("get", `/fine_tuning/jobs/{job_id}/${sub}`, `List a fine-tuning job's ${sub}`),
    (c, row) => relayGet(c, row, `/fine_tuning/jobs/${encodeURIComponent(row.object_id)}/${sub}`),
  );
}

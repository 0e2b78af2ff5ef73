/**
 * The JSON the gateway builds itself (stored completions and their messages, its lists, models,
 * errors), validated against the schemas of OpenAI's published OpenAPI document
 * (test/fixtures/openai-spec/, see its README). Relayed provider bodies are the simulator's
 * business, not checked here.
 */
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootstrapTenant, type Gateway, launchGateway } from "../../tools/launch";
import spec from "../fixtures/openai-spec/schemas.json";

type Schema = Record<string, unknown>;
const schemas = spec.components.schemas as Record<string, Schema>;

/**
 * The spec's message-list item is its assistant message (`role` only `assistant`) plus `id` and
 * `content_parts`, yet the list holds the request's messages and the spec's own example shows a
 * `user` one: the item is checked with the roles a request message may have.
 */
function withRequestRoles(all: Record<string, Schema>): Record<string, Schema> {
  const message = all.ChatCompletionResponseMessage as { properties: Record<string, Schema> };
  const requestMessage = {
    ...message,
    properties: {
      ...message.properties,
      role: { type: "string", enum: ["developer", "system", "user", "assistant", "tool", "function"] },
    },
  };
  const list = structuredClone(all.ChatCompletionMessageList) as {
    properties: { data: { items: { allOf: Schema[] } } };
  };
  list.properties.data.items.allOf[0] = { $ref: "#/components/schemas/ChatCompletionRequestStoredMessage" };
  return { ...all, ChatCompletionMessageList: list, ChatCompletionRequestStoredMessage: requestMessage };
}

const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addSchema({ ...spec, components: { schemas: withRequestRoles(schemas) } });
const validators = new Map<string, ValidateFunction>();

/** Fails with the spec's complaints when `body` does not match schema `name`. */
function expectSpec(name: string, body: unknown): void {
  let validate = validators.get(name);
  if (!validate) {
    validate = ajv.compile({ $ref: `openai-openapi#/components/schemas/${name}` });
    validators.set(name, validate);
  }
  const valid = validate(body);
  expect(valid ? [] : validate.errors?.map((e) => `${e.instancePath} ${e.message}`), name).toEqual([]);
}

let gateway: Gateway;
let apiKey: string;

beforeAll(async () => {
  gateway = await launchGateway({ vars: { LOG_LEVEL: "error" } });
  ({ apiKey } = await bootstrapTenant(gateway.url, gateway.adminToken, "spec"));
});

afterAll(() => gateway?.close());

async function call(path: string, init: { method?: string; body?: unknown; key?: string } = {}) {
  const res = await fetch(`${gateway.url}${path}`, {
    method: init.method ?? "GET",
    headers: { authorization: `Bearer ${init.key ?? apiKey}`, "content-type": "application/json" },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Captures are written after the answer: waits until `n` stored completions are listed. */
async function storedList(n: number) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const list = await call("/v1/chat/completions?limit=100");
    if ((list.body.data as unknown[]).length >= n || Date.now() > deadline) return list;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("the gateway's own JSON against OpenAI's spec", () => {
  it("empty lists: stored completions, files and fine-tuning jobs", async () => {
    const completions = await call("/v1/chat/completions");
    expect(completions.body).toEqual({
      object: "list",
      data: [],
      first_id: "",
      last_id: "",
      has_more: false,
    });
    expectSpec("ChatCompletionList", completions.body);
    expectSpec("ListFilesResponse", (await call("/v1/files")).body);
    expectSpec("ListPaginatedFineTuningJobsResponse", (await call("/v1/fine_tuning/jobs")).body);
  });

  it("stored completions: list, retrieve, update, messages and delete", async () => {
    const messages = [
      { role: "system", content: "Be brief." },
      {
        role: "user",
        name: "ada",
        content: [
          { type: "text", text: "What is in this picture?" },
          { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
        ],
      },
    ];
    const created = await call("/v1/chat/completions", {
      method: "POST",
      body: { model: "gpt-4o-mini", messages, store: true, metadata: { spec: "yes" } },
    });
    expect(created.status).toBe(200);
    const id = String(created.body.id);
    const list = await storedList(1);
    expectSpec("ChatCompletionList", list.body);
    expectSpec("CreateChatCompletionResponse", (await call(`/v1/chat/completions/${id}`)).body);
    const updated = await call(`/v1/chat/completions/${id}`, {
      method: "POST",
      body: { metadata: { a: "b" } },
    });
    expectSpec("CreateChatCompletionResponse", updated.body);

    const page = await call(`/v1/chat/completions/${id}/messages`);
    expectSpec("ChatCompletionMessageList", page.body);
    expect(page.body.data).toEqual([
      { id: `${id}-0`, role: "system", content: "Be brief.", refusal: null, name: null, content_parts: null },
      {
        id: `${id}-1`,
        role: "user",
        content: "What is in this picture?",
        refusal: null,
        name: "ada",
        content_parts: messages[1]?.content,
      },
    ]);
    const past = await call(`/v1/chat/completions/${id}/messages?after=${id}-1`);
    expect(past.body).toMatchObject({ data: [], first_id: "", last_id: "" });
    expectSpec("ChatCompletionMessageList", past.body);

    expectSpec(
      "ChatCompletionDeleted",
      (await call(`/v1/chat/completions/${id}`, { method: "DELETE" })).body,
    );
  });

  it("models: list and retrieve", async () => {
    expectSpec("ListModelsResponse", (await call("/v1/models")).body);
    expectSpec("Model", (await call("/v1/models/gpt-4o-mini")).body);
  });

  it("files and fine-tuning jobs built from the gateway's records", async () => {
    const form = new FormData();
    form.set("purpose", "fine-tune");
    const line = JSON.stringify({
      messages: [
        { role: "user", content: "Hi" },
        { role: "assistant", content: "Hello" },
      ],
    });
    form.set("file", new File([`${Array(10).fill(line).join("\n")}\n`], "t.jsonl"));
    const upload = await fetch(`${gateway.url}/v1/files`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}` },
      body: form,
    });
    const file = (await upload.json()) as { id: string };
    expectSpec("OpenAIFile", file);
    expectSpec("ListFilesResponse", (await call("/v1/files")).body);
    const job = await call("/v1/fine_tuning/jobs", {
      method: "POST",
      body: { model: "gpt-4o-mini-2024-07-18", training_file: file.id },
    });
    expectSpec("FineTuningJob", job.body);
    expectSpec("ListPaginatedFineTuningJobsResponse", (await call("/v1/fine_tuning/jobs")).body);
    expectSpec("DeleteFileResponse", (await call(`/v1/files/${file.id}`, { method: "DELETE" })).body);
  });

  it("errors: 400, 401, 403 and 404", async () => {
    const bad = await call("/v1/chat/completions?limit=0");
    const unknownKey = await call("/v1/models", { key: "egk_nope" });
    const missing = await call("/v1/chat/completions/chatcmpl-missing");
    const adminOnly = await call("/admin/tenants");
    expect([bad.status, unknownKey.status, adminOnly.status, missing.status]).toEqual([400, 401, 403, 404]);
    for (const error of [bad, unknownKey, adminOnly, missing]) expectSpec("ErrorResponse", error.body);
  });
});

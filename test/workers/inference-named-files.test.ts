/**
 * Provider files named inside model calls: every tenant's files live on the one shared provider
 * account, so a chat completion or a response naming a file id (`file` parts, `input_file` /
 * `input_image` parts, a code interpreter's `file_ids`) is refused with the file routes' 404
 * `file_not_found` unless the tenant owns the file, before anything reaches the provider. End-user
 * tokens own no file. A `conversation` on the shared account is nobody's (the gateway creates none).
 * A tenant's own provider is its own account: what its calls name passes through unchecked.
 * The calls that leave are watched by wrapping `fetch`.
 */
import { env } from "cloudflare:workers";
import type { ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions";
import type { ResponseCreateParamsNonStreaming } from "openai/resources/responses/responses";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { recordOwned } from "../../src/finetune/owned-repository";
import { bearer } from "./helpers/console";
import {
  admin,
  createTenant,
  errorOf,
  gw,
  jsonInit,
  mintToken,
  sdk,
  type TestTenant,
} from "./helpers/gateway";
import { sim } from "./helpers/sim";

const jsonl = `${JSON.stringify({
  messages: [
    { role: "user", content: "secret of tenant A" },
    { role: "assistant", content: "ok" },
  ],
})}\n`;

/** The chat completion and response bodies the gateway sent to any provider during a test. */
const sent: string[] = [];
const original = globalThis.fetch;
function watchProviderCalls(): void {
  globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    if (req.method === "POST" && /\/v1\/(chat\/completions|responses)$/.test(new URL(req.url).pathname)) {
      sent.push(await req.clone().text());
    }
    return original(req);
  };
}
afterEach(() => {
  globalThis.fetch = original;
  sent.length = 0;
});

const chatNaming = (fileId: string): ChatCompletionCreateParamsNonStreaming => ({
  model: "gpt-4o-mini",
  messages: [
    {
      role: "user",
      content: [
        { type: "text", text: "summarise" },
        { type: "file", file: { file_id: fileId } },
      ],
    },
  ],
});

const responseNaming = (fileId: string): ResponseCreateParamsNonStreaming => ({
  model: "gpt-4o-mini",
  input: [
    {
      role: "user",
      content: [
        { type: "input_text", text: "summarise" },
        { type: "input_file", file_id: fileId },
      ],
    },
  ],
});

const chat = (body: ChatCompletionCreateParamsNonStreaming, secret: string) =>
  gw("/v1/chat/completions", jsonInit("POST", body, bearer(secret)));
const respond = (body: ResponseCreateParamsNonStreaming, secret: string) =>
  gw("/v1/responses", jsonInit("POST", body, bearer(secret)));

let a: TestTenant;
let b: TestTenant;
let fileOfA: string;
beforeAll(async () => {
  a = await createTenant();
  b = await createTenant();
  const file = await sdk(a.key).files.create({
    file: new File([jsonl], "a-private.jsonl", { type: "application/jsonl" }),
    purpose: "fine-tune",
  });
  fileOfA = file.id;
});

describe("provider file ids inside model calls", () => {
  it("refuses another tenant's file_id in a chat completion and a response, as the file routes do", async () => {
    expect((await gw(`/v1/files/${fileOfA}`, { headers: bearer(b.key) })).status).toBe(404);
    watchProviderCalls();
    const phone = await mintToken(b.key, "mallory");
    const byToken = await chat(chatNaming(fileOfA), phone);
    const byKey = await chat(chatNaming(fileOfA), b.key);
    const response = await respond(responseNaming(fileOfA), b.key);
    expect(sent.filter((body) => body.includes(fileOfA))).toEqual([]);
    for (const res of [byToken, byKey, response]) {
      expect(res.status).toBe(404);
      expect(await errorOf(res)).toMatchObject({ code: "file_not_found", type: "invalid_request_error" });
    }
    expect((await errorOf(await chat(chatNaming(fileOfA), b.key))).param).toBe(
      "messages[0].content[1].file.file_id",
    );
    expect((await errorOf(await respond(responseNaming(fileOfA), b.key))).param).toBe(
      "input[0].content[1].file_id",
    );
  });

  it("lets a tenant name its own files (chat, response, image part, tool output), sent upstream as named", async () => {
    watchProviderCalls();
    expect((await chat(chatNaming(fileOfA), a.key)).status).toBe(200);
    expect((await respond(responseNaming(fileOfA), a.key)).status).toBe(200);
    const image = await respond(
      {
        model: "gpt-4o-mini",
        input: [
          { role: "user", content: [{ type: "input_image", file_id: fileOfA, detail: "auto" }] },
          {
            type: "function_call",
            call_id: "call_1",
            name: "fetch_report",
            arguments: "{}",
          },
          {
            type: "function_call_output",
            call_id: "call_1",
            output: [{ type: "input_file", file_id: fileOfA }],
          },
        ],
      },
      a.key,
    );
    expect(image.status).toBe(200);
    expect(sent.filter((body) => body.includes(fileOfA))).toHaveLength(3);
  });

  it("checks every file a body names, in image parts, tool outputs and code interpreter containers", async () => {
    watchProviderCalls();
    const own = await sdk(b.key).files.create({
      file: new File([jsonl], "b.jsonl", { type: "application/jsonl" }),
      purpose: "fine-tune",
    });
    const image = await respond(
      {
        model: "gpt-4o-mini",
        input: [
          {
            role: "user",
            content: [
              { type: "input_file", file_id: own.id },
              { type: "input_image", file_id: fileOfA, detail: "auto" },
            ],
          },
        ],
      },
      b.key,
    );
    expect(image.status).toBe(404);
    expect(await errorOf(image)).toMatchObject({
      code: "file_not_found",
      param: "input[0].content[1].file_id",
    });
    const output = await respond(
      {
        model: "gpt-4o-mini",
        input: [
          { type: "function_call", call_id: "call_1", name: "fetch_report", arguments: "{}" },
          {
            type: "function_call_output",
            call_id: "call_1",
            output: [{ type: "input_file", file_id: fileOfA }],
          },
        ],
      },
      b.key,
    );
    expect(await errorOf(output)).toMatchObject({
      code: "file_not_found",
      param: "input[1].output[0].file_id",
    });
    const container = await respond(
      {
        model: "gpt-4o-mini",
        input: "run it",
        tools: [{ type: "code_interpreter", container: { type: "auto", file_ids: [own.id, fileOfA] } }],
      },
      b.key,
    );
    expect(await errorOf(container)).toMatchObject({
      code: "file_not_found",
      param: "tools[0].container.file_ids[1]",
    });
    expect(sent).toEqual([]);
  });

  it("refuses the tenant's own file when it was made on another API than the call's (a file id means something on its account only)", async () => {
    // As the file routes record a file uploaded to the tenant's own fine-tuning API.
    const elsewhere = "file-made-on-the-tenants-own-api";
    await recordOwned(env.DB, {
      tenantId: a.id,
      id: elsewhere,
      kind: "file",
      baseUrl: "https://ft.example/v1",
    });
    watchProviderCalls();
    const res = await chat(chatNaming(elsewhere), a.key);
    expect(res.status).toBe(404);
    expect(await errorOf(res)).toMatchObject({
      code: "file_not_found",
      param: "messages[0].content[1].file.file_id",
    });
    expect(sent).toEqual([]);
  });

  it("lets no end-user token name a file, not even its own tenant's", async () => {
    watchProviderCalls();
    const phone = await mintToken(a.key, "alice");
    const res = await respond(responseNaming(fileOfA), phone);
    expect(res.status).toBe(404);
    expect((await errorOf(res)).code).toBe("file_not_found");
    expect(sent).toEqual([]);
  });

  it("answers a conversation on the shared account as the provider answers an unknown one", async () => {
    watchProviderCalls();
    const res = await gw(
      "/v1/responses",
      jsonInit(
        "POST",
        { model: "gpt-4o-mini", input: "hi", conversation: "conv_of_someone_else" },
        bearer(a.key),
      ),
    );
    expect(res.status).toBe(404);
    expect(await errorOf(res)).toMatchObject({ param: "conversation" });
    expect(sent).toEqual([]);
  });

  it("passes the ids through to a tenant's own provider: they name files of the tenant's own account", async () => {
    const providerKey = "sk-tenant-files-provider-5e7d9c1b";
    await sim.config({ extraApiKeys: [providerKey] });
    try {
      const registered = await admin(`/tenants/${b.id}/providers`, "POST", {
        name: "lab",
        base_url: `${sim.origin().replace("127.0.0.1", "localhost")}/v1`,
        api_key: providerKey,
        capabilities: ["chat"],
      });
      expect(registered.status).toBe(201);
      watchProviderCalls();
      const res = await chat({ ...chatNaming("file-on-the-labs-account"), model: "lab/gpt-4o-mini" }, b.key);
      expect(res.status).toBe(200);
      expect(sent.filter((body) => body.includes("file-on-the-labs-account"))).toHaveLength(1);
    } finally {
      await sim.config({ extraApiKeys: [] });
    }
  });
});

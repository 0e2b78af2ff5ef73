import OpenAI, { toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "./index";

let sim: Simulator;
let client: OpenAI;

beforeAll(async () => {
  sim = await startSimulator();
  client = new OpenAI({ baseURL: sim.url, apiKey: "sk-sim-edgegate", maxRetries: 0 });
});
afterAll(() => sim.close());

const jsonl = Buffer.from(
  '{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]}\n',
);

describe("files", () => {
  it("uploads with the SDK, then retrieves metadata and the exact bytes", async () => {
    const file = await client.files.create({
      file: await toFile(jsonl, "train.jsonl"),
      purpose: "fine-tune",
    });
    expect(file).toMatchObject({
      object: "file",
      purpose: "fine-tune",
      filename: "train.jsonl",
      bytes: jsonl.length,
      status: "processed",
    });
    expect(file.id).toMatch(/^file-/);
    expect(await client.files.retrieve(file.id)).toEqual(file);
    const content = await client.files.content(file.id);
    expect(Buffer.from(await content.arrayBuffer())).toEqual(jsonl);
  });

  it("keeps binary uploads intact", async () => {
    const bytes = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 37) % 256));
    const file = await client.files.create({ file: await toFile(bytes, "image.png"), purpose: "vision" });
    const content = await client.files.content(file.id);
    expect(Buffer.from(await content.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it("lists newest first by default, filters by purpose and paginates with after/limit", async () => {
    const own = await startSimulator();
    const c = new OpenAI({ baseURL: own.url, apiKey: "sk-sim-edgegate", maxRetries: 0 });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++)
        ids.push((await c.files.create({ file: await toFile(jsonl, `f${i}.jsonl`), purpose: "batch" })).id);
      await c.files.create({ file: await toFile(Buffer.from("x"), "notes.txt"), purpose: "user_data" });
      const batch = await c.files.list({ purpose: "batch" });
      expect(batch.data.map((f) => f.id)).toEqual([...ids].reverse());
      const asc = await c.files.list({ purpose: "batch", order: "asc", limit: 2 });
      expect(asc.data.map((f) => f.id)).toEqual(ids.slice(0, 2));
      expect(asc.has_more).toBe(true);
      const next = await asc.getNextPage();
      expect(next.data.map((f) => f.id)).toEqual([ids[2]]);
      const all: string[] = [];
      for await (const f of c.files.list({ limit: 1 })) all.push(f.id);
      expect(all).toHaveLength(4);
      expect(batch.data[0]?.expires_at).toBeGreaterThan(Date.now() / 1000 + 29 * 24 * 3600);
    } finally {
      await own.close();
    }
  });

  it("deletes a file and then answers 404", async () => {
    const file = await client.files.create({ file: await toFile(jsonl, "gone.jsonl"), purpose: "fine-tune" });
    expect(await client.files.delete(file.id)).toEqual({ id: file.id, object: "file", deleted: true });
    const error = await client.files.retrieve(file.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).message).toContain(
      `No such File object: ${file.id}`,
    );
  });

  it("rejects non-.jsonl fine-tuning files, bad purposes and missing parts", async () => {
    const wrongExt = await client.files
      .create({ file: await toFile(jsonl, "train.json"), purpose: "fine-tune" })
      .catch((e: unknown) => e);
    expect(wrongExt).toBeInstanceOf(OpenAI.BadRequestError);
    expect((wrongExt as InstanceType<typeof OpenAI.BadRequestError>).message).toContain("Must be .jsonl");
    const badPurpose = await client.files
      .create({ file: await toFile(jsonl, "a.jsonl"), purpose: "training" as never })
      .catch((e: unknown) => e);
    expect((badPurpose as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("purpose");
    const form = new FormData();
    form.set("purpose", "fine-tune");
    const res = await fetch(`${sim.url}/files`, {
      method: "POST",
      headers: { authorization: "Bearer sk-sim-edgegate" },
      body: form,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { param: string } }).error.param).toBe("file");
  });

  it("honours expires_after", async () => {
    const file = await client.files.create({
      file: await toFile(jsonl, "short.jsonl"),
      purpose: "user_data",
      expires_after: { anchor: "created_at", seconds: 3600 },
    });
    expect(file.expires_at).toBe(file.created_at + 3600);
    const error = await client.files
      .create({
        file: await toFile(jsonl, "x.jsonl"),
        purpose: "user_data",
        expires_after: { anchor: "created_at", seconds: 60 },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
  });
});

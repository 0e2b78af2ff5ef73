import { beforeEach, describe, expect, it } from "vitest";
import { createTenant, gw, jsonInit, sdk } from "./helpers/gateway";
import { sim } from "./helpers/sim";

beforeEach(() => sim.reset());

const auth = (key: string) => ({ authorization: `Bearer ${key}` });

async function capture(
  key: string,
  content: string,
  metadata: Record<string, string>,
  model = "gpt-4o-mini",
) {
  return sdk(key).chat.completions.create({
    model,
    messages: [{ role: "user", content }],
    store: true,
    metadata,
  });
}

async function waitStored(key: string, n: number): Promise<void> {
  const deadline = Date.now() + 3_000;
  while (Date.now() < deadline) {
    const list = await sdk(key).chat.completions.list({ limit: 100 });
    if (list.data.length >= n) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`fewer than ${n} completions were captured`);
}

async function dataset(key: string): Promise<string> {
  const res = await gw("/v1/datasets", jsonInit("POST", { name: "distill", validation_ratio: 0 }, auth(key)));
  return ((await res.json()) as { id: string }).id;
}

async function exportText(key: string, id: string, query = ""): Promise<string[]> {
  const res = await gw(`/v1/datasets/${id}/export${query}`, { headers: auth(key) });
  expect(res.headers.get("content-type")).toBe("application/jsonl");
  return new TextDecoder()
    .decode(await res.arrayBuffer())
    .split("\n")
    .filter((l) => l !== "");
}

describe("import from captured completions, feedback and export", () => {
  it("imports by model, metadata and feedback score; a correction replaces the answer", async () => {
    const { key } = await createTenant();
    const good = await capture(key, "What is the capital of France?", { app: "geo" });
    const fixed = await capture(key, "What is the capital of Spain?", { app: "geo" });
    await capture(key, "Unrelated chit-chat", { app: "chat" });
    await capture(key, "Another model", { app: "geo" }, "gpt-4o");
    await waitStored(key, 4);
    const feedback = (id: string, body: unknown) =>
      gw(`/v1/chat/completions/${id}/feedback`, jsonInit("POST", body, auth(key)));
    expect((await feedback(good.id, { score: 1 })).status).toBe(200);
    const res = await feedback(fixed.id, { score: 0.5, correction: "Madrid." });
    expect(await res.json()).toMatchObject({
      completion_id: fixed.id,
      score: 0.5,
      correction: { role: "assistant", content: "Madrid." },
    });
    expect((await feedback("chatcmpl-missing", { score: 1 })).status).toBe(404);

    const id = await dataset(key);
    const filter = { model: "gpt-4o-mini", metadata: { app: "geo" }, min_score: 0.5 };
    const imported = await gw(`/v1/datasets/${id}/import`, jsonInit("POST", { filter }, auth(key)));
    expect(await imported.json()).toMatchObject({ scanned: 2, imported: 2, duplicates: 0, skipped: 0 });
    const lines = (await exportText(key, id)).map(
      (l) => JSON.parse(l) as { messages: { content: string }[] },
    );
    expect(lines.map((l) => l.messages.map((m) => m.content))).toEqual([
      ["What is the capital of France?", good.choices[0]?.message.content],
      ["What is the capital of Spain?", "Madrid."],
    ]);
    const again = await gw(`/v1/datasets/${id}/import`, jsonInit("POST", { filter }, auth(key)));
    expect(await again.json()).toMatchObject({ imported: 0, duplicates: 2 });

    const dpo = (await exportText(key, id, "?format=dpo")).map((l) => JSON.parse(l));
    expect(dpo).toEqual([
      {
        input: { messages: [{ role: "user", content: "What is the capital of Spain?" }] },
        preferred_output: [{ role: "assistant", content: "Madrid." }],
        non_preferred_output: [{ role: "assistant", content: fixed.choices[0]?.message.content }],
      },
    ]);
  });

  it("imports by time range", async () => {
    const { key } = await createTenant();
    await capture(key, "early question", {});
    await waitStored(key, 1);
    const cut = Math.ceil(Date.now() / 1000) + 1;
    const id = await dataset(key);
    const before = await gw(
      `/v1/datasets/${id}/import`,
      jsonInit("POST", { filter: { created_after: cut } }, auth(key)),
    );
    expect(await before.json()).toMatchObject({ scanned: 0, imported: 0 });
    const upTo = await gw(
      `/v1/datasets/${id}/import`,
      jsonInit("POST", { filter: { created_before: cut } }, auth(key)),
    );
    expect(await upTo.json()).toMatchObject({ scanned: 1, imported: 1 });
  });

  it("round-trips an export into another dataset", async () => {
    const { key } = await createTenant();
    const source = await dataset(key);
    const examples = Array.from({ length: 1_200 }, (_, i) => ({
      messages: [
        { role: "system", content: "Be exact." },
        { role: "user", content: `Q${i}: what is ${i} + ${i}?` },
        { role: "assistant", content: String(i + i) },
      ],
    }));
    for (let i = 0; i < examples.length; i += 400) {
      const res = await gw(
        `/v1/datasets/${source}/examples`,
        jsonInit("POST", { examples: examples.slice(i, i + 400) }, auth(key)),
      );
      expect(res.status).toBe(200);
    }
    const exported = await exportText(key, source, "?split=all");
    expect(exported.map((l) => JSON.parse(l))).toEqual(examples);
    const target = await dataset(key);
    const res = await gw(`/v1/datasets/${target}/examples`, {
      method: "POST",
      headers: { ...auth(key), "content-type": "application/jsonl" },
      body: `${exported.join("\n")}\n`,
    });
    expect(await res.json()).toMatchObject({ added: 1_200, duplicates: 0 });
    expect(await exportText(key, target)).toEqual(exported);
  });
});

import { beforeEach, describe, expect, it } from "vitest";
import { createTenant, errorOf, gw, jsonInit } from "./helpers/gateway";
import { sim } from "./helpers/sim";

beforeEach(() => sim.reset());

interface Dataset {
  id: string;
  webhook_secret?: string;
  example_counts: { train: number; validation: number; total: number };
}

const auth = (key: string) => ({ authorization: `Bearer ${key}` });
const line = (q: string, a: string) => ({
  messages: [
    { role: "user", content: q },
    { role: "assistant", content: a },
  ],
});

async function createDataset(key: string, body: Record<string, unknown> = {}): Promise<Dataset> {
  const res = await gw("/v1/datasets", jsonInit("POST", { name: "support", ...body }, auth(key)));
  expect(res.status).toBe(200);
  return (await res.json()) as Dataset;
}

function addJson(key: string, id: string, examples: unknown[], extra: Record<string, unknown> = {}) {
  return gw(`/v1/datasets/${id}/examples`, jsonInit("POST", { examples, ...extra }, auth(key)));
}

function addJsonl(key: string, id: string, text: string) {
  return gw(`/v1/datasets/${id}/examples`, {
    method: "POST",
    headers: { ...auth(key), "content-type": "application/jsonl" },
    body: text,
  });
}

describe("datasets", () => {
  it("creates, lists, gets and deletes datasets; the webhook secret is shown once", async () => {
    const { key } = await createTenant();
    const ds = await createDataset(key, { kind: "vision" });
    expect(ds.webhook_secret).toMatch(/^whsec_/);
    const got = (await (await gw(`/v1/datasets/${ds.id}`, { headers: auth(key) })).json()) as Dataset;
    expect(got).toMatchObject({ id: ds.id, kind: "vision", example_counts: { total: 0 } });
    expect(got.webhook_secret).toBeUndefined();
    const list = (await (await gw("/v1/datasets", { headers: auth(key) })).json()) as { data: Dataset[] };
    expect(list.data.map((d) => d.id)).toEqual([ds.id]);
    const past = await gw(`/v1/datasets?after=${ds.id}`, { headers: auth(key) });
    expect(((await past.json()) as { data: Dataset[] }).data).toEqual([]);
    const other = await createTenant();
    expect((await gw(`/v1/datasets/${ds.id}`, { headers: auth(other.key) })).status).toBe(404);
    const del = await gw(`/v1/datasets/${ds.id}`, { method: "DELETE", headers: auth(key) });
    expect(await del.json()).toEqual({ id: ds.id, object: "dataset.deleted", deleted: true });
    expect((await gw(`/v1/datasets/${ds.id}`, { headers: auth(key) })).status).toBe(404);
  });

  it("adds JSON and JSONL examples, skipping duplicates by content", async () => {
    const { key } = await createTenant();
    const ds = await createDataset(key);
    const first = await addJson(key, ds.id, [line("a", "1"), line("b", "2"), line("a", "1")]);
    expect(await first.json()).toMatchObject({ added: 2, duplicates: 1, example_counts: { total: 2 } });
    // Same content with keys in another order is the same example.
    const reordered = JSON.stringify({
      messages: [
        { content: "b", role: "user" },
        { content: "2", role: "assistant" },
      ],
    });
    const jsonl = `${reordered}\n\n${JSON.stringify(line("c", "3"))}\n`;
    expect(await (await addJsonl(key, ds.id, jsonl)).json()).toMatchObject({ added: 1, duplicates: 1 });
    const page = (await (
      await gw(`/v1/datasets/${ds.id}/examples?limit=2`, { headers: auth(key) })
    ).json()) as {
      data: { id: string; example: unknown }[];
      has_more: boolean;
    };
    expect(page.data.map((e) => e.example)).toEqual([line("a", "1"), line("b", "2")]);
    expect(page.has_more).toBe(true);
    const next = await gw(`/v1/datasets/${ds.id}/examples?after=${page.data[1]?.id}`, { headers: auth(key) });
    expect(((await next.json()) as { data: { example: unknown }[] }).data.map((e) => e.example)).toEqual([
      line("c", "3"),
    ]);
  });

  it("rejects an invalid example naming its line and field, storing nothing", async () => {
    const { key } = await createTenant();
    const ds = await createDataset(key);
    const bad = {
      messages: [
        { role: "user", content: "hi" },
        { role: "bot", content: "x" },
      ],
    };
    const res = await addJsonl(
      key,
      ds.id,
      [line("a", "1"), line("b", "2"), bad].map((l) => JSON.stringify(l)).join("\n"),
    );
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.message).toContain("line 3");
    expect(error.param).toBe("messages[1].role");
    const cases: [unknown, string][] = [
      [{ messages: [{ role: "user", content: "only a question" }] }, "messages[0].role"],
      [{ messages: [] }, "messages"],
      [
        {
          messages: [
            { role: "user", content: "weather?" },
            {
              role: "assistant",
              tool_calls: [{ id: "c1", type: "function", function: { name: "w", arguments: "{}" } }],
            },
            { role: "assistant", content: "sunny" },
          ],
        },
        "messages[2]",
      ],
      [
        {
          messages: [
            { role: "user", content: "x" },
            { role: "tool", tool_call_id: "nope", content: "1" },
            { role: "assistant", content: "y" },
          ],
        },
        "messages[1].tool_call_id",
      ],
      [
        {
          messages: [
            { role: "user", content: [{ type: "image_url", image_url: { url: "https://x.test/a.png" } }] },
            { role: "assistant", content: "cat" },
          ],
        },
        "messages[0].content[0]",
      ],
    ];
    for (const [example, field] of cases) {
      const r = await addJson(key, ds.id, [line("ok", "ok"), example]);
      expect(r.status).toBe(400);
      const e = await errorOf(r);
      expect(e.param).toBe(field);
      expect(e.message).toContain("position 2");
    }
    expect(
      (await (await gw(`/v1/datasets/${ds.id}`, { headers: auth(key) })).json()) as Dataset,
    ).toMatchObject({
      example_counts: { total: 0 },
    });
  });

  it("accepts tool calls answered by tool messages, and images in vision datasets", async () => {
    const { key } = await createTenant();
    const chat = await createDataset(key);
    const tools = {
      messages: [
        { role: "user", content: "weather in Paris?" },
        {
          role: "assistant",
          tool_calls: [
            { id: "c1", type: "function", function: { name: "w", arguments: '{"city":"Paris"}' } },
          ],
        },
        { role: "tool", tool_call_id: "c1", content: "18C" },
        { role: "assistant", content: "18C in Paris" },
      ],
    };
    expect((await addJson(key, chat.id, [tools])).status).toBe(200);
    const vision = await createDataset(key, { kind: "vision" });
    const image = {
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "what is it?" },
            { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
          ],
        },
        { role: "assistant", content: "a cat" },
      ],
    };
    expect((await addJson(key, vision.id, [image])).status).toBe(200);
  });

  it("splits deterministically by content hash at the dataset's ratio", async () => {
    const { key } = await createTenant();
    const a = await createDataset(key, { validation_ratio: 0.3 });
    const b = await createDataset(key, { validation_ratio: 0.3 });
    const examples = Array.from({ length: 200 }, (_, i) => line(`question ${i}`, `answer ${i}`));
    await addJson(key, a.id, examples);
    await addJson(key, b.id, [...examples].reverse());
    const counts = ((await (await gw(`/v1/datasets/${a.id}`, { headers: auth(key) })).json()) as Dataset)
      .example_counts;
    expect(counts.total).toBe(200);
    expect(counts.validation).toBeGreaterThan(40);
    expect(counts.validation).toBeLessThan(80);
    const splitMap = async (id: string) => {
      const res = await gw(`/v1/datasets/${id}/export?split=validation`, { headers: auth(key) });
      return new TextDecoder()
        .decode(await res.arrayBuffer())
        .trim()
        .split("\n")
        .sort();
    };
    expect(await splitMap(a.id)).toEqual(await splitMap(b.id));
  });

  it("redacts emails, phone and card numbers when asked", async () => {
    const { key } = await createTenant();
    const ds = await createDataset(key);
    const pii = line(
      "Mail jane.doe@example.com or call +1 415-555-0132, card 4242 4242 4242 4242",
      "Noted, order 12345",
    );
    await addJson(key, ds.id, [pii], { redact_pii: true });
    const res = await gw(`/v1/datasets/${ds.id}/export`, { headers: auth(key) });
    expect(JSON.parse(new TextDecoder().decode(await res.arrayBuffer()))).toEqual(
      line("Mail [EMAIL] or call [PHONE], card [CARD]", "Noted, order 12345"),
    );
  });
});

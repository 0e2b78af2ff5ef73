import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "./index";

let sim: Simulator;
let client: OpenAI;

beforeAll(async () => {
  sim = await startSimulator();
  client = new OpenAI({ baseURL: sim.url, apiKey: "sk-sim-edgegate", maxRetries: 0 });
});
afterAll(() => sim.close());

function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  a.forEach((x, i) => {
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  });
  return dot / Math.sqrt(na * nb);
}

async function vectors(input: string[], model = "text-embedding-3-small"): Promise<number[][]> {
  const res = await client.embeddings.create({ model, input, encoding_format: "float" });
  return res.data.map((d) => d.embedding);
}

describe("embeddings", () => {
  it("has the native dimensions per model, unit length and usage", async () => {
    for (const [model, dims] of [
      ["text-embedding-3-small", 1536],
      ["text-embedding-3-large", 3072],
      ["text-embedding-ada-002", 1536],
    ] as const) {
      const res = await client.embeddings.create({ model, input: "hello world", encoding_format: "float" });
      expect(res).toMatchObject({ object: "list", model, usage: { prompt_tokens: 2, total_tokens: 2 } });
      const vector = res.data[0]?.embedding ?? [];
      expect(vector).toHaveLength(dims);
      expect(Math.hypot(...vector)).toBeCloseTo(1, 5);
    }
  });

  it("is lexically meaningful: near-identical texts close to 1, unrelated texts near 0", async () => {
    const [a, b, c, d] = await vectors([
      "What is the capital of France?",
      "what is the capital of france",
      "How do I bake sourdough bread at home?",
      "What is the capital city of France?",
    ]);
    if (!a || !b || !c || !d) throw new Error("missing vectors");
    expect(cosine(a, b)).toBeGreaterThan(0.99);
    expect(cosine(a, d)).toBeGreaterThan(0.8);
    expect(cosine(a, d)).toBeLessThan(cosine(a, b));
    expect(Math.abs(cosine(a, c))).toBeLessThan(0.2);
  });

  it("is deterministic and decodes from base64 (the SDK default) to the float values", async () => {
    const [floats] = await vectors(["deterministic vectors"]);
    const decoded = await client.embeddings.create({
      model: "text-embedding-3-small",
      input: "deterministic vectors",
    });
    const vector = decoded.data[0]?.embedding ?? [];
    expect(vector).toHaveLength(1536);
    for (const [i, v] of vector.entries()) expect(v).toBeCloseTo(floats?.[i] ?? Number.NaN, 6);
    const raw = await client.embeddings.create({
      model: "text-embedding-3-small",
      input: "x",
      encoding_format: "base64",
    });
    expect(typeof raw.data[0]?.embedding).toBe("string");
    expect(Buffer.from(raw.data[0]?.embedding as unknown as string, "base64")).toHaveLength(1536 * 4);
  });

  it("honours dimensions on text-embedding-3 models only", async () => {
    const res = await client.embeddings.create({
      model: "text-embedding-3-large",
      input: ["a", "b"],
      dimensions: 256,
      encoding_format: "float",
    });
    expect(res.data.map((d) => [d.index, d.embedding.length])).toEqual([
      [0, 256],
      [1, 256],
    ]);
    const error = await client.embeddings
      .create({ model: "text-embedding-ada-002", input: "a", dimensions: 256 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("dimensions");
  });

  it("accepts token arrays and rejects empty input and unknown models", async () => {
    const res = await client.embeddings.create({
      model: "text-embedding-3-small",
      input: [
        [1, 2, 3],
        [4, 5],
      ],
      encoding_format: "float",
    });
    expect(res.usage.prompt_tokens).toBe(5);
    expect(
      await client.embeddings.create({ model: "text-embedding-3-small", input: "" }).catch((e: unknown) => e),
    ).toBeInstanceOf(OpenAI.BadRequestError);
    const missing = await client.embeddings
      .create({ model: "text-embedding-9", input: "x" })
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
  });
});

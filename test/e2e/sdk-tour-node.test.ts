/**
 * Every route the gateway offers SDK users, called through the official Node SDK (`openai` 6)
 * against the gateway launched as `npm start` launches it (HTTPS, for the SDK's `wss://`-only
 * Realtime client), with the simulator as provider. Each call asserts what it got back.
 */
import OpenAI, {
  APIError,
  AuthenticationError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
} from "openai";
import { OpenAIRealtimeWS } from "openai/realtime/ws";
import type { RealtimeServerEvent } from "openai/resources/realtime/realtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchTourGateway, type TourGateway, tourClient } from "../helpers-node/sdk-tour";
import { addSimFault, resetSim, setSimConfig, simRequestCounts } from "../helpers-node/sim-control";

const MODEL = "gpt-4o-mini";
const STUDENT = "gpt-4o-mini-2024-07-18";
const trainingJsonl = `${Array.from({ length: 10 }, (_, i) =>
  JSON.stringify({
    messages: [
      { role: "user", content: `What is the code number ${i}?` },
      { role: "assistant", content: `The code ${i} is ZEBRA-${i * 7}.` },
    ],
  }),
).join("\n")}\n`;

let tour: TourGateway;
let client: OpenAI;

beforeAll(async () => {
  tour = await launchTourGateway();
  client = tourClient(tour, tour.apiKey);
});

afterAll(() => tour?.gateway.close());

/** Polls `read` until `done` holds (captures and provider jobs finish after the answer). */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value).slice(0, 300)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function raised(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (err) {
    return err;
  }
  throw new Error("Expected the call to raise, but it succeeded.");
}

describe("models", () => {
  it("lists and retrieves models", async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toContain(MODEL);
    const model = await client.models.retrieve(MODEL);
    expect(model).toMatchObject({ id: MODEL, object: "model" });
  });
});

describe("chat completions", () => {
  it("answers plain, streamed, with a tool call and with logprobs", async () => {
    const plain = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: "Say hello." }],
    });
    expect(plain.object).toBe("chat.completion");
    expect(plain.choices[0]?.message.content).toMatch(/\w+/);

    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: "Stream a hello." }],
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toMatch(/\w+/);

    const tools = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: "What is the weather in Paris? Use get_weather." }],
      tools: [
        {
          type: "function",
          function: {
            name: "get_weather",
            parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
          },
        },
      ],
    });
    const call = tools.choices[0]?.message.tool_calls?.[0];
    expect(tools.choices[0]?.finish_reason).toBe("tool_calls");
    expect(call?.type === "function" && call.function.name).toBe("get_weather");

    const logprobs = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: "One word, please." }],
      logprobs: true,
      top_logprobs: 2,
    });
    const first = logprobs.choices[0]?.logprobs?.content?.[0];
    expect(first?.logprob).toBeLessThanOrEqual(0);
    expect(first?.top_logprobs).toHaveLength(2);
  });

  it("stores a completion, then lists, retrieves, updates, reads its messages and deletes it", async () => {
    const created = await client.chat.completions.create({
      model: MODEL,
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Keep this one." },
      ],
      store: true,
      metadata: { tour: "node" },
    });
    const listed = await eventually(
      () => client.chat.completions.list({ metadata: { tour: "node" } }),
      (page) => page.data.length > 0,
      "the stored completion",
    );
    expect(listed.data.map((c) => c.id)).toEqual([created.id]);
    const stored = await client.chat.completions.retrieve(created.id);
    expect(stored.choices[0]?.message.content).toBe(created.choices[0]?.message.content);
    const updated = await client.chat.completions.update(created.id, { metadata: { tour: "node-2" } });
    expect((updated as { metadata?: unknown }).metadata).toEqual({ tour: "node-2" });
    const messages = await client.chat.completions.messages.list(created.id);
    expect(messages.data.map((m) => [m.role, m.content])).toEqual([
      ["system", "Be brief."],
      ["user", "Keep this one."],
    ]);
    const deleted = await client.chat.completions.delete(created.id);
    expect(deleted).toEqual({ object: "chat.completion.deleted", id: created.id, deleted: true });
    expect(await raised(() => client.chat.completions.retrieve(created.id))).toBeInstanceOf(NotFoundError);
  });
});

describe("embeddings", () => {
  it("embeds inputs", async () => {
    const res = await client.embeddings.create({ model: "text-embedding-3-small", input: ["a", "b"] });
    expect(res.data.map((d) => d.index)).toEqual([0, 1]);
    expect(res.data[0]?.embedding.length).toBeGreaterThan(0);
  });
});

describe("responses", () => {
  it("creates plain and streamed responses, lists input items and deletes", async () => {
    const plain = await client.responses.create({ model: MODEL, input: "Describe the sea." });
    expect(plain.status).toBe("completed");
    expect(plain.output_text).toMatch(/\w+/);
    const items = await client.responses.inputItems.list(plain.id);
    expect(items.data[0]).toMatchObject({ type: "message", role: "user" });
    expect((await client.responses.retrieve(plain.id)).id).toBe(plain.id);

    const stream = await client.responses.create({ model: MODEL, input: "Describe a hill.", stream: true });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types[0]).toBe("response.created");
    expect(types.at(-1)).toBe("response.completed");

    await client.responses.delete(plain.id);
    expect(await raised(() => client.responses.retrieve(plain.id))).toBeInstanceOf(NotFoundError);
  });

  it("runs a background response to its end, resumes its stream and cancels another", async () => {
    const background = await client.responses.create({
      model: MODEL,
      input: "Take your time.",
      background: true,
    });
    expect(background.status).toBe("queued");
    const done = await eventually(
      () => client.responses.retrieve(background.id),
      (r) => r.status === "completed",
      "the background response",
    );
    expect(done.output_text).toMatch(/\w+/);
    const resumed = await client.responses.retrieve(background.id, { stream: true, starting_after: 1 });
    const sequence: number[] = [];
    for await (const event of resumed) sequence.push(event.sequence_number);
    expect(sequence[0]).toBe(2);
    expect(sequence.length).toBeGreaterThan(2);

    const other = await client.responses.create({ model: MODEL, input: "Never mind.", background: true });
    const cancelled = await client.responses.cancel(other.id);
    expect(cancelled.status).toBe("cancelled");
  });
});

describe("files and fine-tuning", () => {
  it("uploads, trains, reads the job's events, checkpoints and result file, cancels and deletes", async () => {
    const file = await client.files.create({
      file: new File([trainingJsonl], "train.jsonl", { type: "application/jsonl" }),
      purpose: "fine-tune",
    });
    expect(file).toMatchObject({ object: "file", purpose: "fine-tune", filename: "train.jsonl" });
    expect((await client.files.list()).data.map((f) => f.id)).toContain(file.id);
    expect((await client.files.retrieve(file.id)).bytes).toBe(Buffer.byteLength(trainingJsonl));
    expect(await (await client.files.content(file.id)).text()).toBe(trainingJsonl);

    const job = await client.fineTuning.jobs.create({
      model: STUDENT,
      training_file: file.id,
      suffix: "tour",
    });
    expect(job.object).toBe("fine_tuning.job");
    expect((await client.fineTuning.jobs.list()).data.map((j) => j.id)).toContain(job.id);
    const finished = await eventually(
      () => client.fineTuning.jobs.retrieve(job.id),
      (j) => j.status === "succeeded",
      "the fine-tuning job",
    );
    expect(finished.fine_tuned_model).toMatch(/^ft:/);
    const events = await client.fineTuning.jobs.listEvents(job.id);
    expect(events.data.length).toBeGreaterThan(0);
    expect(events.data[0]?.object).toBe("fine_tuning.job.event");
    const checkpoints = await client.fineTuning.jobs.checkpoints.list(job.id);
    expect(checkpoints.data[0]?.object).toBe("fine_tuning.job.checkpoint");

    const resultId = finished.result_files[0] ?? "";
    expect((await client.files.retrieve(resultId)).purpose).toBe("fine-tune-results");
    expect(await (await client.files.content(resultId)).text()).toMatch(/^step,/);

    await setSimConfig(tour.simOrigin, { fineTuneStepMs: 60_000 });
    try {
      const slow = await client.fineTuning.jobs.create({ model: STUDENT, training_file: file.id });
      expect((await client.fineTuning.jobs.cancel(slow.id)).status).toBe("cancelled");
    } finally {
      await setSimConfig(tour.simOrigin, { fineTuneStepMs: 10 });
    }

    expect(await client.files.delete(file.id)).toEqual({ object: "file", id: file.id, deleted: true });
    expect(await raised(() => client.files.retrieve(file.id))).toBeInstanceOf(NotFoundError);
  });
});

describe("realtime", () => {
  it("connects with only an API key through OpenAIRealtimeWS and holds a conversation", async () => {
    const rtClient = new OpenAI({ apiKey: tour.apiKey, baseURL: `${tour.gateway.url}/v1` });
    const rt = new OpenAIRealtimeWS({ model: "gpt-realtime", options: { ca: tour.gateway.ca } }, rtClient);
    const seen: RealtimeServerEvent[] = [];
    const transcript = new Promise<string>((resolve, reject) => {
      rt.on("event", (event) => {
        seen.push(event);
        if (event.type === "response.output_audio_transcript.done") resolve(event.transcript);
      });
      rt.on("error", reject);
    });
    await new Promise<void>((resolve) => rt.socket.once("open", () => resolve()));
    rt.send({
      type: "conversation.item.create",
      item: { type: "message", role: "user", content: [{ type: "input_text", text: "hello from node" }] },
    });
    rt.send({ type: "response.create" });
    expect(await transcript).toBe("You said: hello from node");
    expect(seen[0]?.type).toBe("session.created");
    rt.close();
  });
});

describe("failures the SDK raises", () => {
  it("raises on a stream the provider cut", async () => {
    await resetSim(tour.simOrigin);
    await addSimFault(tour.simOrigin, { route: "POST /v1/chat/completions", cutStreamAfterEvents: 2 });
    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: "This stream will break." }],
      stream: true,
    });
    const err = await raised(async () => {
      for await (const _ of stream);
    });
    expect(err).toBeInstanceOf(APIError);
    expect((err as APIError).code).toBe("upstream_stream_cut");
  });

  it("raises a 429 at once with x-should-retry false, and the SDK's own retries stay unused", async () => {
    await resetSim(tour.simOrigin);
    await addSimFault(tour.simOrigin, {
      route: "POST /v1/chat/completions",
      errorStatus: 429,
      retryAfterSeconds: 30,
      count: 5,
    });
    const retrying = tourClient(tour, tour.apiKey, { maxRetries: 2 });
    const err = await raised(() =>
      retrying.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "Busy?" }] }),
    );
    expect(err).toBeInstanceOf(RateLimitError);
    expect((err as RateLimitError).headers?.get("x-should-retry")).toBe("false");
    expect((err as RateLimitError).headers?.get("retry-after")).toBe("30");
    expect((await simRequestCounts(tour.simOrigin))["POST /v1/chat/completions"]).toBe(1);
    await resetSim(tour.simOrigin);
  });

  it("raises the SDK's typed errors with OpenAI's error body for a bad key and a missing scope", async () => {
    const badKey = await raised(() => tourClient(tour, "egk_not_a_real_key").models.list());
    expect(badKey).toBeInstanceOf(AuthenticationError);
    expect((badKey as AuthenticationError).error).toMatchObject({
      message: expect.any(String),
      type: expect.any(String),
      param: null,
    });
    const scoped = tourClient(tour, tour.inferenceKey);
    expect((await scoped.models.list()).data.length).toBeGreaterThan(0);
    const denied = await raised(() => scoped.files.list());
    expect(denied).toBeInstanceOf(PermissionDeniedError);
    expect((denied as PermissionDeniedError).code).toBe("insufficient_scope");
  });
});

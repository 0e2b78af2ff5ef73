import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import OpenAI, { toFile } from "openai";
import type { FineTuningJob } from "openai/resources/fine-tuning/jobs/jobs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "./index";

let sim: Simulator;
let client: OpenAI;
let receiver: Server;
const deliveries: Array<{ body: string; headers: IncomingHttpHeaders; status: number }> = [];
/** The first delivery whose body names this job id is answered with a 500. */
let failOnceFor: string | undefined;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => {
      body += chunk.toString("utf8");
    });
    req.on("end", () => {
      const fail = failOnceFor !== undefined && body.includes(failOnceFor);
      if (fail) failOnceFor = undefined;
      const status = fail ? 500 : 200;
      deliveries.push({ body, headers: req.headers, status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const address = receiver.address();
  const port = typeof address === "object" && address ? address.port : 0;
  sim = await startSimulator({ config: { fineTuneStepMs: 30, webhookUrl: `http://127.0.0.1:${port}/hook` } });
  client = new OpenAI({ baseURL: sim.url, apiKey: "sk-sim-edgegate", maxRetries: 0 });
});
afterAll(async () => {
  await sim.close();
  await new Promise((resolve) => receiver.close(resolve));
});

const example = (i: number) => ({
  messages: [
    { role: "system", content: "You are a pirate." },
    { role: "user", content: `Question number ${i}?` },
    { role: "assistant", content: `Arr, answer ${i}!` },
  ],
});
const jsonl = (rows: unknown[]) =>
  Buffer.from(rows.map((r) => (typeof r === "string" ? r : JSON.stringify(r))).join("\n"));
const upload = async (rows: unknown[], purpose: "fine-tune" | "batch" = "fine-tune") =>
  (await client.files.create({ file: await toFile(jsonl(rows), "data.jsonl"), purpose })).id;
const tenExamples = () => Array.from({ length: 10 }, (_, i) => example(i));

async function waitForJob(
  id: string,
  done: (job: FineTuningJob) => boolean = (j) => j.finished_at !== null,
): Promise<FineTuningJob> {
  for (let i = 0; i < 200; i++) {
    const job = await client.fineTuning.jobs.retrieve(id);
    if (done(job)) return job;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`job ${id} did not settle`);
}

async function deliveriesFor(jobId: string, count: number): Promise<typeof deliveries> {
  const matching = () => deliveries.filter((d) => d.body.includes(jobId));
  for (let i = 0; i < 300 && matching().length < count; i++)
    await new Promise((resolve) => setTimeout(resolve, 10));
  return matching();
}

describe("creating jobs", () => {
  it("rejects models that cannot be fine-tuned", async () => {
    const error = await client.fineTuning.jobs
      .create({ model: "gpt-4o", training_file: await upload(tenExamples()) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("model");
  });

  it("rejects missing training files and files with another purpose, naming training_file", async () => {
    for (const training_file of ["file-missing", await upload(tenExamples(), "batch")]) {
      const error = await client.fineTuning.jobs
        .create({ model: "gpt-4o-mini-2024-07-18", training_file })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      expect(error).toMatchObject({ type: "invalid_request_error", param: "training_file" });
    }
  });

  it("rejects hyperparameters out of range", async () => {
    const error = await client.fineTuning.jobs
      .create({
        model: "gpt-4.1-nano-2025-04-14",
        training_file: await upload(tenExamples()),
        method: { type: "supervised", supervised: { hyperparameters: { n_epochs: 99 } } },
      })
      .catch((e: unknown) => e);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe(
      "method.supervised.hyperparameters.n_epochs",
    );
  });
});

describe("job lifecycle", () => {
  it("runs validating_files → queued → running → succeeded and serves the fine-tuned model", async () => {
    const created = await client.fineTuning.jobs.create({
      model: "gpt-4o-mini",
      training_file: await upload(tenExamples()),
      suffix: "pirate",
      metadata: { team: "sim" },
    });
    expect(created).toMatchObject({
      object: "fine_tuning.job",
      status: "validating_files",
      model: "gpt-4o-mini-2024-07-18",
      fine_tuned_model: null,
    });
    expect(created.id).toMatch(/^ftjob-/);
    const seen = new Set<string>([created.status]);
    const job = await waitForJob(created.id, (j) => {
      seen.add(j.status);
      return j.status === "succeeded";
    });
    expect([...seen]).toEqual(expect.arrayContaining(["validating_files", "queued", "running", "succeeded"]));
    expect(job.fine_tuned_model).toMatch(/^ft:gpt-4o-mini-2024-07-18:edgegate-sim:pirate:[A-Za-z0-9]{8}$/);
    expect(job.trained_tokens).toBeGreaterThan(0);
    expect(job.finished_at).not.toBeNull();
    expect(job.hyperparameters.n_epochs).toEqual(expect.any(Number));
    const model = job.fine_tuned_model ?? "";

    const results = await client.files.retrieve(job.result_files[0] ?? "");
    expect(results.purpose).toBe("fine-tune-results");
    expect(await (await client.files.content(results.id)).text()).toMatch(/^step,train_loss/);

    const events = await client.fineTuning.jobs.listEvents(job.id, { limit: 100 });
    expect(events.data[0]?.message).toBe("The job has successfully completed");
    expect(events.data.at(-1)?.message).toBe(`Created fine-tuning job: ${job.id}`);
    const metrics = events.data.filter((e) => e.type === "metrics");
    expect(metrics.length).toBeGreaterThan(0);
    expect(metrics[0]?.data).toMatchObject({ step: expect.any(Number), train_loss: expect.any(Number) });

    const checkpoints = await client.fineTuning.jobs.checkpoints.list(job.id);
    expect(checkpoints.data.length).toBeGreaterThan(0);
    expect(checkpoints.data[0]).toMatchObject({
      object: "fine_tuning.job.checkpoint",
      fine_tuning_job_id: job.id,
      fine_tuned_model_checkpoint: model,
    });

    expect((await client.models.list()).data.map((m) => m.id)).toContain(model);
    const memorized = await client.chat.completions.create({
      model,
      messages: example(3).messages.slice(0, 2) as never,
    });
    expect(memorized.choices[0]?.message.content).toBe("Arr, answer 3!");
    expect(memorized.model).toBe(model);
    const fresh = await client.chat.completions.create({
      model,
      messages: [{ role: "user", content: "Something new" }],
    });
    const base = await client.chat.completions.create({
      model: "gpt-4o-mini-2024-07-18",
      messages: [{ role: "user", content: "Something new" }],
    });
    expect(fresh.choices[0]?.message.content).toBe(base.choices[0]?.message.content);

    const listed = await client.fineTuning.jobs.list({ metadata: { team: "sim" } });
    expect(listed.data.map((j) => j.id)).toEqual([job.id]);
    expect((await client.fineTuning.jobs.list({ metadata: { team: "other" } })).data).toEqual([]);
  });

  it.each([
    ["a line that is not JSON", [...tenExamples().slice(0, 4), "{oops", ...tenExamples().slice(4)], /Line 5/],
    [
      "an example without an assistant message",
      [...tenExamples().slice(0, 9), { messages: [{ role: "user", content: "x" }] }],
      /Line 10.*assistant/,
    ],
    [
      "an invalid role",
      [{ messages: [{ role: "wizard", content: "x" }] }, ...tenExamples()],
      /Line 1: Invalid value: 'wizard'/,
    ],
    ["fewer than 10 examples", tenExamples().slice(0, 5), /has 5 example\(s\), but must have at least 10/],
    [
      "an image in an assistant message",
      [
        ...tenExamples().slice(0, 2),
        {
          messages: [
            { role: "user", content: "x" },
            { role: "assistant", content: [{ type: "image_url", image_url: { url: "https://x/y.png" } }] },
          ],
        },
        ...tenExamples().slice(2),
      ],
      /Line 3/,
    ],
  ])("fails the job with invalid_training_file for %s", async (_name, rows, message) => {
    const created = await client.fineTuning.jobs.create({
      model: "gpt-4o-2024-08-06",
      training_file: await upload(rows),
    });
    const job = await waitForJob(created.id);
    expect(job.status).toBe("failed");
    expect(job.error).toMatchObject({ code: "invalid_training_file", param: "training_file" });
    expect(job.error?.message).toMatch(message);
    expect(job.fine_tuned_model).toBeNull();
  });

  it("accepts vision examples for gpt-4o-2024-08-06 but not for gpt-4o-mini", async () => {
    const vision = tenExamples().map((row) => ({
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is this?" },
            { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
          ],
        },
        row.messages[2],
      ],
    }));
    const file = await upload(vision);
    const ok = await waitForJob(
      (await client.fineTuning.jobs.create({ model: "gpt-4o-2024-08-06", training_file: file })).id,
    );
    expect(ok.status).toBe("succeeded");
    const bad = await waitForJob(
      (await client.fineTuning.jobs.create({ model: "gpt-4o-mini-2024-07-18", training_file: file })).id,
    );
    expect(bad.status).toBe("failed");
  });

  it("trains DPO files with method dpo", async () => {
    const rows = Array.from({ length: 10 }, (_, i) => ({
      input: { messages: [{ role: "user", content: `Pick ${i}` }] },
      preferred_output: [{ role: "assistant", content: `Good ${i}` }],
      non_preferred_output: [{ role: "assistant", content: `Bad ${i}` }],
    }));
    const created = await client.fineTuning.jobs.create({
      model: "gpt-4.1-mini-2025-04-14",
      training_file: await upload(rows),
      method: { type: "dpo", dpo: { hyperparameters: { beta: 0.1 } } },
    });
    const job = await waitForJob(created.id);
    expect(job.status).toBe("succeeded");
    expect(job.method).toMatchObject({ type: "dpo", dpo: { hyperparameters: { beta: 0.1 } } });
    const answer = await client.chat.completions.create({
      model: job.fine_tuned_model ?? "",
      messages: [{ role: "user", content: "Pick 7" }],
    });
    expect(answer.choices[0]?.message.content).toBe("Good 7");
  });

  it("cancels a running job and refuses to cancel a finished one", async () => {
    const created = await client.fineTuning.jobs.create({
      model: "gpt-4.1-nano-2025-04-14",
      training_file: await upload(tenExamples()),
    });
    const cancelled = await client.fineTuning.jobs.cancel(created.id);
    expect(cancelled.status).toBe("cancelled");
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect((await client.fineTuning.jobs.retrieve(created.id)).status).toBe("cancelled");
    expect(await client.fineTuning.jobs.cancel(created.id).catch((e: unknown) => e)).toBeInstanceOf(
      OpenAI.BadRequestError,
    );
    expect(await client.fineTuning.jobs.retrieve("ftjob-nope").catch((e: unknown) => e)).toBeInstanceOf(
      OpenAI.NotFoundError,
    );
  });
});

describe("webhooks", () => {
  it("delivers signed fine_tuning.job.* events that the SDK verifies, retrying after a 500", async () => {
    const created = await client.fineTuning.jobs.create({
      model: "gpt-4.1-2025-04-14",
      training_file: await upload(tenExamples()),
    });
    failOnceFor = created.id;
    await waitForJob(created.id);
    const received = await deliveriesFor(created.id, 2);
    expect(received.map((d) => d.status)).toEqual([500, 200]);
    const [first, second] = received;
    expect(first?.headers["webhook-id"]).toBe(second?.headers["webhook-id"]);
    expect(second?.headers["user-agent"]).toBe("OpenAI/1.0 (+https://platform.openai.com/docs/webhooks)");
    const event = await client.webhooks.unwrap(
      second?.body ?? "",
      second?.headers as Record<string, string>,
      sim.state.config.webhookSecret,
    );
    expect(event).toMatchObject({
      object: "event",
      type: "fine_tuning.job.succeeded",
      data: { id: created.id },
    });
    expect(event.id).toMatch(/^evt_/);
  });

  it("sends fine_tuning.job.cancelled on cancel", async () => {
    const created = await client.fineTuning.jobs.create({
      model: "gpt-4.1-2025-04-14",
      training_file: await upload(tenExamples()),
    });
    await client.fineTuning.jobs.cancel(created.id);
    const [delivery] = await deliveriesFor(created.id, 1);
    const event = JSON.parse(delivery?.body ?? "{}") as { type: string; data: { id: string } };
    expect(event).toMatchObject({ type: "fine_tuning.job.cancelled", data: { id: created.id } });
  });
});

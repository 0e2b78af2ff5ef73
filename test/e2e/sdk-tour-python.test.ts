/**
 * The same tour as sdk-tour-node.test.ts through the official Python SDK (`openai[realtime]`,
 * installed once into `.cache/py-sdk`): `python/sdk_tour.py` calls every route against the gateway
 * launched as `npm start` launches it and prints what each call returned, asserted here.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { PYTHON_SDK_VERSION, python3Version, pythonSdkPath } from "../helpers-node/python-sdk";
import { launchTourGateway, type TourGateway } from "../helpers-node/sdk-tour";

const run = promisify(execFile);

let tour: TourGateway;
let sdkPath: string;

beforeAll(async () => {
  await python3Version();
  [sdkPath, tour] = await Promise.all([pythonSdkPath(), launchTourGateway()]);
}, 150_000);

afterAll(() => tour?.gateway.close());

/** Runs the tour script; its stdout is one JSON object, one entry per step. */
async function pythonTour(): Promise<Record<string, unknown>> {
  const { stdout } = await run("python3", [join(import.meta.dirname, "python", "sdk_tour.py")], {
    timeout: 60_000,
    maxBuffer: 16 * 1024 * 1024,
    env: {
      ...process.env,
      PYTHONPATH: sdkPath,
      PYTHONDONTWRITEBYTECODE: "1",
      SSL_CERT_FILE: tour.caFile,
      EDGEGATE_URL: tour.gateway.url,
      EDGEGATE_API_KEY: tour.apiKey,
      EDGEGATE_INFERENCE_KEY: tour.inferenceKey,
      EDGEGATE_SIM_ORIGIN: tour.simOrigin,
    },
  });
  return JSON.parse(stdout) as Record<string, unknown>;
}

it("calls every route through the Python SDK, realtime and failures included", async () => {
  const summary = await pythonTour();
  expect(summary).toEqual({
    sdk_version: PYTHON_SDK_VERSION,
    models: { listed: true, retrieved: ["gpt-4o-mini", "model"] },
    chat: { object: "chat.completion", answered: true, streamed: true, tool: "get_weather", top_logprobs: 2 },
    stored_completions: {
      listed: true,
      retrieved: true,
      metadata: { tour: "python-2" },
      messages: [
        ["system", "Be brief."],
        ["user", "Keep this one."],
      ],
      deleted: ["chat.completion.deleted", true],
      after_delete: "NotFoundError",
    },
    embeddings: { indexes: [0, 1], vector: true },
    responses: {
      plain: ["completed", true],
      input_items: ["message", "user"],
      stream: ["response.created", "response.completed"],
      background: ["queued", "completed"],
      resumed_from: 2,
      cancelled: "cancelled",
      after_delete: "NotFoundError",
    },
    files_and_fine_tuning: {
      uploaded: ["file", "fine-tune", true],
      listed: true,
      content: true,
      job_listed: true,
      job: ["succeeded", true],
      events: "fine_tuning.job.event",
      checkpoints: "fine_tuning.job.checkpoint",
      result_file: ["fine-tune-results", true],
      cancelled: "cancelled",
      deleted: true,
    },
    realtime: { first: "session.created", transcript: "You said: hello from python" },
    cut_stream: {
      raised: "APIError",
      is_api_error: true,
      message: expect.stringContaining("The provider's stream ended before its final event"),
    },
    rate_limited: {
      raised: "RateLimitError",
      status: 429,
      x_should_retry: "false",
      retry_after: "30",
      provider_calls: 1,
    },
    auth_errors: {
      bad_key: ["AuthenticationError", 401, ["code", "message", "param", "type"]],
      missing_scope: ["PermissionDeniedError", 403, "insufficient_scope"],
    },
  });
}, 60_000);

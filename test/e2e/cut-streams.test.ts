/**
 * 1,000 streams the provider cuts, through the official SDK against the gateway launched as
 * `npm start` launches it (workerd through wrangler, on 127.0.0.1). Every one must raise the
 * gateway's in-stream error; the Worker must never restart (`503 Your worker restarted`) nor report
 * an `Uncaught (in promise)` error, which an errored response body used to cause; and the complete
 * stored streams run between them must all be captured.
 */
import type OpenAI from "openai";
import { APIError } from "openai";
import { afterAll, beforeAll, expect, it } from "vitest";
import { bootstrapTenant, type Gateway, launchGateway } from "../../tools/launch";
import { gatewayClient } from "../helpers-node/openai-client";
import { addSimFault, resetSim } from "../helpers-node/sim-control";

const BATCHES = 50;
/** Cut streams per batch, half chat completions (stored), half Responses. */
const CUT_PER_BATCH = 20;
const CHAT = "POST /v1/chat/completions";
const RESPONSES = "POST /v1/responses";

let gateway: Gateway;
let client: OpenAI;
let simOrigin: string;
let workerLog = "";
const restoreOutput: (() => void)[] = [];

/**
 * Keeps what the Worker and wrangler log in this process: wrangler logs through `console` (which
 * vitest intercepts) and workerd's own output through the process streams.
 */
function recordOutput(): void {
  for (const name of ["log", "info", "warn", "error", "debug"] as const) {
    const original = console[name];
    console[name] = (...args: unknown[]) => {
      workerLog += `${args.map(String).join(" ")}\n`;
      original.apply(console, args);
    };
    restoreOutput.push(() => {
      console[name] = original;
    });
  }
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    stream.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      workerLog += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString();
      return write(chunk, ...rest);
    }) as typeof stream.write;
    restoreOutput.push(() => {
      stream.write = write;
    });
  }
}

beforeAll(async () => {
  recordOutput();
  gateway = await launchGateway({ vars: { LOG_LEVEL: "error" }, logLevel: "info" });
  simOrigin = gateway.simulator?.origin ?? "";
  const { apiKey } = await bootstrapTenant(gateway.url, gateway.adminToken, "cut-streams");
  client = gatewayClient(gateway.url, apiKey);
});

afterAll(async () => {
  await gateway?.close();
  for (const restore of restoreOutput.splice(0)) restore();
});

/** What reading a stream to its end raised: the APIError code, another error's text, or "none". */
async function outcome(open: () => Promise<AsyncIterable<unknown>>): Promise<string> {
  try {
    for await (const _ of await open()) {
      // Every event is read, as an app would.
    }
  } catch (err) {
    return err instanceof APIError ? String(err.code ?? `status ${err.status}`) : String(err);
  }
  return "none";
}

const cutChat = (n: number) => () =>
  client.chat.completions.create({
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: `cut chat ${n}` }],
    stream: true,
    store: true,
    metadata: { run: "cut" },
  });

const cutResponse = (n: number) => () =>
  client.responses.create({ model: "gpt-4o-mini", input: `cut response ${n}`, stream: true });

it("raises for each of 1,000 cut streams with no Worker restart, and loses no capture", async () => {
  await resetSim(simOrigin);
  const outcomes: string[] = [];
  const complete: string[] = [];
  for (let batch = 0; batch < BATCHES; batch++) {
    const half = CUT_PER_BATCH / 2;
    await addSimFault(simOrigin, [
      { route: CHAT, cutStreamAfterEvents: 1 + (batch % 3), count: half },
      { route: RESPONSES, cutStreamAfterEvents: 2 + (batch % 3), count: half },
    ]);
    const runs = Array.from({ length: CUT_PER_BATCH }, (_, i) => {
      const n = batch * CUT_PER_BATCH + i;
      return outcome(i < half ? cutChat(n) : cutResponse(n));
    });
    outcomes.push(...(await Promise.all(runs)));
    // The faults are spent: this stored stream completes while the batch's tail is still settling.
    complete.push(
      await outcome(() =>
        client.chat.completions.create({
          model: "gpt-4o-mini",
          messages: [{ role: "user", content: `complete ${batch}` }],
          stream: true,
          store: true,
          metadata: { run: "complete" },
        }),
      ),
    );
  }
  expect(outcomes).toHaveLength(BATCHES * CUT_PER_BATCH);
  expect(outcomes.filter((o) => o !== "upstream_stream_cut")).toEqual([]);
  expect(complete.filter((o) => o !== "none")).toEqual([]);

  const stored = await storedWithRun("complete", BATCHES);
  expect(stored).toBe(BATCHES);
  expect(await storedWithRun("cut", 0)).toBe(0);
  // The log was recorded (one line per request at wrangler's `info` level), and holds no restart.
  expect(workerLog.match(/POST \/v1\/responses 200/g)?.length).toBeGreaterThanOrEqual(
    BATCHES * (CUT_PER_BATCH / 2),
  );
  expect(workerLog).not.toMatch(/worker restarted|Uncaught \(in promise\)|Network connection lost/i);
}, 120_000);

/** Stored completions tagged `run`, once at least `expected` are listed or 10 s have passed. */
async function storedWithRun(run: string, expected: number): Promise<number> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    let count = 0;
    for await (const _ of client.chat.completions.list({ metadata: { run }, limit: 100 })) count++;
    if (count >= expected || Date.now() > deadline) return count;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

import { describe, expect, it } from "vitest";
import { observeStream, type StreamOutcome } from "./observe";
import { DEFAULT_STREAM_IDLE_MS, streamIdleMs } from "./stream-end";

const encoder = new TextEncoder();
const chunk = (content: string, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}\n\n`;

/** A provider body that sends `frames`, then ends, errors, or goes silent. */
function provider(frames: string[], then: "end" | "error" | "stall"): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      const frame = frames[i++];
      if (frame !== undefined) return controller.enqueue(encoder.encode(frame));
      if (then === "end") return controller.close();
      if (then === "error") return controller.error(new Error("Network connection lost."));
      return new Promise<void>(() => {});
    },
  });
}

async function run(body: ReadableStream<Uint8Array>, kind: "chat" | "responses", idleMs = 1_000) {
  let outcome: StreamOutcome | undefined;
  const out = observeStream(body, { kind, dropUsageChunk: false, idleMs, onEnd: (o) => (outcome = o) });
  const text = await new Response(out).text();
  return { text, outcome };
}

const lastData = (text: string) => JSON.parse(text.trim().split("\n").at(-1)?.slice(6) ?? "null");

describe("observeStream", () => {
  it("passes a complete chat stream through untouched and hands over the answer", async () => {
    const frames = [chunk("Hi"), chunk("", "stop"), "data: [DONE]\n\n"];
    const { text, outcome } = await run(provider(frames, "end"), "chat");
    expect(text).toBe(frames.join(""));
    expect(outcome).toMatchObject({ choices: [{ message: { content: "Hi" }, finish_reason: "stop" }] });
  });

  it("ends a chat stream whose connection was lost with an error event, never an errored body", async () => {
    const { text, outcome } = await run(provider([chunk("Hi"), 'data: {"partial'], "error"), "chat");
    expect(text.startsWith(chunk("Hi"))).toBe(true);
    expect(text).not.toContain("partial");
    expect(lastData(text)).toMatchObject({ error: { code: "upstream_stream_cut", type: "server_error" } });
    expect(outcome).toBeNull();
  });

  it("ends a chat stream that closed without [DONE] with an error event", async () => {
    const { text, outcome } = await run(provider([chunk("Hi", "stop")], "end"), "chat");
    expect(lastData(text)).toMatchObject({ error: { code: "upstream_stream_cut" } });
    expect(outcome).toBeNull();
  });

  it("ends a silent stream after the idle timeout", async () => {
    const { text, outcome } = await run(provider([chunk("Hi")], "stall"), "chat", 20);
    expect(lastData(text)).toMatchObject({ error: { code: "upstream_stream_timeout" } });
    expect(outcome).toBeNull();
  });

  it("adds nothing after the provider's own error event", async () => {
    const error =
      'data: {"error":{"message":"overloaded","type":"server_error","param":null,"code":null}}\n\n';
    const { text } = await run(provider([chunk("Hi"), error], "end"), "chat");
    expect(text).toBe(chunk("Hi") + error);
  });

  it("names the Responses error event and continues its sequence numbers", async () => {
    const created = 'event: response.created\ndata: {"type":"response.created","sequence_number":0}\n\n';
    const delta =
      'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","sequence_number":1}\n\n';
    const { text, outcome } = await run(provider([created, delta], "error"), "responses");
    const frames = text.trim().split("\n\n");
    expect(frames[2]?.split("\n")[0]).toBe("event: error");
    expect(lastData(text)).toMatchObject({
      type: "error",
      code: "upstream_stream_cut",
      sequence_number: 2,
      error: { code: "upstream_stream_cut" },
    });
    expect(outcome).toBeNull();
  });

  it("treats response.failed as the end of a Responses stream", async () => {
    const failed = 'event: response.failed\ndata: {"type":"response.failed","sequence_number":0}\n\n';
    const { text } = await run(provider([failed], "end"), "responses");
    expect(text).toBe(failed);
  });
});

describe("streamIdleMs", () => {
  it("reads UPSTREAM_STREAM_IDLE_MS, falling back to the default for unset or invalid values", () => {
    const env = (v?: string) => ({ UPSTREAM_STREAM_IDLE_MS: v }) as Parameters<typeof streamIdleMs>[0];
    expect(streamIdleMs(env("250"))).toBe(250);
    for (const v of [undefined, "", "0", "-5", "soon"])
      expect(streamIdleMs(env(v))).toBe(DEFAULT_STREAM_IDLE_MS);
  });
});

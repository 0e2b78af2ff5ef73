import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "./index";
import { BYTES_PER_MS, rmsLevel } from "./realtime-audio";
import { appendAudio, RealtimeTestClient as Client, silence, tone } from "./realtime-test-client";
import type { SimServerEvent } from "./realtime-types";

let sim: Simulator;
let client: Client;

beforeEach(async () => {
  sim = await startSimulator();
  client = await Client.connect(sim.origin);
  await client.next("session.created");
});

afterEach(async () => {
  client.ws.terminate();
  await sim.close();
});

function addText(text: string): void {
  client.send({
    type: "conversation.item.create",
    item: { type: "message", role: "user", content: [{ type: "input_text", text }] },
  });
}

async function useText(): Promise<void> {
  client.send({
    type: "session.update",
    session: { type: "realtime", output_modalities: ["text"], audio: { input: { turn_detection: null } } },
  });
  await client.next("session.updated");
}

function audioOf(events: SimServerEvent[]): Buffer {
  const chunks = events.flatMap((e) =>
    e.type === "response.output_audio.delta" ? [Buffer.from(e.delta, "base64")] : [],
  );
  return Buffer.concat(chunks);
}

describe("realtime text turns", () => {
  it("answers conversation.item.create + response.create with events in GA order", async () => {
    await useText();
    addText("Tell me about the Eiffel Tower");
    const added = await client.next("conversation.item.added");
    expect(added.previous_item_id).toBeNull();
    expect(added.item).toMatchObject({ type: "message", role: "user", object: "realtime.item" });
    await client.next("conversation.item.done");
    client.send({ type: "response.create" });
    const events = await client.through("response.done");
    const kinds = events.map((e) => e.type).filter((t, i, all) => t !== all[i - 1]);
    expect(kinds).toEqual([
      "response.created",
      "rate_limits.updated",
      "response.output_item.added",
      "conversation.item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "conversation.item.done",
      "response.done",
    ]);
    const textDone = events.find((e) => e.type === "response.output_text.done");
    expect(textDone && "text" in textDone && textDone.text).toBe("You said: Tell me about the Eiffel Tower");
    const done = events.at(-1) as Extract<SimServerEvent, { type: "response.done" }>;
    const { response } = done;
    expect(response).toMatchObject({
      object: "realtime.response",
      status: "completed",
      output_modalities: ["text"],
    });
    expect(response.conversation_id).toMatch(/^conv_/);
    expect(response.output[0]).toMatchObject({ type: "message", role: "assistant", status: "completed" });
    const usage = response.usage;
    expect(usage?.total_tokens).toBe((usage?.input_tokens ?? 0) + (usage?.output_tokens ?? 0));
    expect(usage?.input_token_details).toMatchObject({ audio_tokens: 0, image_tokens: 0, cached_tokens: 0 });
    expect(usage?.input_token_details?.cached_tokens_details).toEqual({
      text_tokens: 0,
      audio_tokens: 0,
      image_tokens: 0,
    });
    expect(usage?.output_token_details).toEqual({ text_tokens: 10, audio_tokens: 0 });
  });

  it("honours previous_item_id, retrieve, delete and rejects unknown ids", async () => {
    await useText();
    client.send({
      type: "conversation.item.create",
      item: { id: "item_a", type: "message", role: "user", content: [{ type: "input_text", text: "a" }] },
    });
    await client.next("conversation.item.done");
    client.send({
      type: "conversation.item.create",
      previous_item_id: "root",
      item: { id: "item_b", type: "message", role: "system", content: [{ type: "input_text", text: "b" }] },
    });
    expect((await client.next("conversation.item.added")).previous_item_id).toBeNull();
    client.send({
      type: "conversation.item.create",
      previous_item_id: "item_zzz",
      item: { type: "message", role: "user", content: [{ type: "input_text", text: "c" }] },
    });
    expect((await client.next("error")).error).toMatchObject({ param: "previous_item_id" });
    client.send({ type: "conversation.item.retrieve", item_id: "item_a" });
    expect((await client.next("conversation.item.retrieved")).item).toMatchObject({
      id: "item_a",
      content: [{ text: "a" }],
    });
    client.send({ type: "conversation.item.delete", item_id: "item_a" });
    expect((await client.next("conversation.item.deleted")).item_id).toBe("item_a");
    client.send({ type: "conversation.item.retrieve", item_id: "item_a" });
    expect((await client.next("error")).error.code).toBe("item_retrieve_invalid_item_id");
  });

  it("cancels an active response and refuses a second concurrent response.create", async () => {
    await useText();
    addText(Array.from({ length: 40 }, (_, i) => `word${i}`).join(" "));
    client.send({ type: "response.create" });
    client.send({ type: "response.create", event_id: "evt_second" });
    client.send({ type: "response.cancel" });
    const error = await client.next("error");
    expect(error.error).toMatchObject({
      code: "conversation_already_has_active_response",
      event_id: "evt_second",
    });
    const { response } = await client.next("response.done");
    expect(response.status).toBe("cancelled");
    expect(response.status_details).toEqual({ type: "cancelled", reason: "client_cancelled" });
    expect(response.output[0]).toMatchObject({ status: "incomplete" });
    client.send({ type: "response.cancel" });
    expect((await client.next("error")).error.code).toBe("response_cancel_not_active");
  });

  it("runs an out-of-band response without touching the conversation", async () => {
    await useText();
    addText("hello there");
    await client.next("conversation.item.done");
    client.send({
      type: "response.create",
      response: { conversation: "none", metadata: { topic: "summary" }, instructions: "Summarise." },
    });
    const events = await client.through("response.done");
    expect(events.some((e) => e.type === "conversation.item.added")).toBe(false);
    const done = events.at(-1) as Extract<SimServerEvent, { type: "response.done" }>;
    expect(done.response.metadata).toEqual({ topic: "summary" });
    expect(done.response.conversation_id).toBeUndefined();
  });
});

describe("realtime audio turns", () => {
  it("detects speech in real PCM with server VAD, transcribes it and answers with decodable audio", async () => {
    client.send({
      type: "session.update",
      session: { type: "realtime", audio: { input: { transcription: { model: "gpt-4o-transcribe" } } } },
    });
    await client.next("session.updated");
    appendAudio(client, Buffer.concat([silence(400), tone(1000), silence(800)]));
    const started = await client.next("input_audio_buffer.speech_started");
    expect(started.audio_start_ms).toBe(100);
    const stopped = await client.next("input_audio_buffer.speech_stopped");
    expect(stopped.audio_end_ms).toBe(1900);
    expect(stopped.item_id).toBe(started.item_id);
    const committed = await client.next("input_audio_buffer.committed");
    expect(committed).toMatchObject({ item_id: started.item_id, previous_item_id: null });
    const added = await client.next("conversation.item.added");
    expect(added.item).toMatchObject({
      id: started.item_id,
      role: "user",
      content: [{ type: "input_audio", transcript: null }],
    });
    const transcribed = await client.next("conversation.item.input_audio_transcription.completed");
    expect(transcribed.transcript).toMatch(/^simulated speech 1\.8 seconds [0-9a-f]{6}$/);
    const events = await client.through("response.done");
    const pcm = audioOf(events);
    expect(pcm.length).toBeGreaterThan(200 * BYTES_PER_MS);
    expect(rmsLevel(pcm)).toBeGreaterThan(0.1);
    const transcript = events
      .flatMap((e) => (e.type === "response.output_audio_transcript.delta" ? [e.delta] : []))
      .join("");
    expect(transcript).toBe(`You said: ${transcribed.transcript}`);
    const done = events.at(-1) as Extract<SimServerEvent, { type: "response.done" }>;
    expect(done.response.usage?.output_token_details?.audio_tokens).toBe(
      Math.ceil(pcm.length / BYTES_PER_MS / 50),
    );
    expect(done.response.usage?.input_token_details?.audio_tokens).toBe(36);
  });

  it("ignores digital silence and quiet noise", async () => {
    const noise = Buffer.alloc(500 * BYTES_PER_MS);
    for (let i = 0; i < noise.length; i += 2) noise.writeInt16LE(((i * 7919) % 601) - 300, i);
    appendAudio(client, Buffer.concat([silence(500), noise, silence(500)]));
    client.send({ type: "input_audio_buffer.clear" });
    const events = await client.through("input_audio_buffer.cleared");
    expect(events.map((e) => e.type)).toEqual(["input_audio_buffer.cleared"]);
  });

  it("requires 100 ms of audio for a manual commit when turn detection is off", async () => {
    client.send({
      type: "session.update",
      session: { type: "realtime", audio: { input: { turn_detection: null } } },
    });
    await client.next("session.updated");
    appendAudio(client, tone(60));
    client.send({ type: "input_audio_buffer.commit" });
    const error = await client.next("error");
    expect(error.error.code).toBe("input_audio_buffer_commit_empty");
    expect(error.error.message).toMatch(/buffer too small.*at least 100ms/);
    appendAudio(client, tone(200));
    client.send({ type: "input_audio_buffer.commit" });
    const events = await client.through("input_audio_buffer.committed");
    expect(events.some((e) => e.type === "input_audio_buffer.speech_started")).toBe(false);
    client.send({ type: "response.create" });
    const { response } = await client.next("response.done");
    expect(response.usage?.input_token_details?.audio_tokens).toBe(6);
  });

  it("truncates assistant audio to what was heard", async () => {
    addText("one two three four five six seven eight");
    client.send({ type: "response.create" });
    const { response } = await client.next("response.done");
    const itemId = response.output[0]?.id ?? "";
    client.send({ type: "conversation.item.truncate", item_id: itemId, content_index: 0, audio_end_ms: 300 });
    expect(await client.next("conversation.item.truncated")).toMatchObject({
      item_id: itemId,
      audio_end_ms: 300,
    });
    client.send({ type: "conversation.item.retrieve", item_id: itemId });
    const { item } = await client.next("conversation.item.retrieved");
    expect(item).toMatchObject({
      content: [{ type: "output_audio", transcript: "You said: one two three" }],
    });
    client.send({
      type: "session.update",
      session: { type: "realtime", audio: { output: { voice: "echo" } } },
    });
    expect((await client.next("error")).error.code).toBe("cannot_update_voice");
  });
});

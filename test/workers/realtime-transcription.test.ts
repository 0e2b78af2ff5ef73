import { describe, expect, it } from "vitest";
import { createTenant, errorOf } from "./helpers/gateway";
import {
  audioFrame,
  eventually,
  putTool,
  type RtEvent,
  recordedSession,
  startSession,
  upgrade,
} from "./helpers/realtime";

interface Transcribed extends RtEvent {
  item_id: string;
  transcript: string;
  usage: { input_tokens: number; output_tokens: number; total_tokens: number };
}

const TRANSCRIBE = {
  type: "session.update",
  session: {
    type: "transcription",
    audio: { input: { transcription: { model: "gpt-4o-transcribe" }, turn_detection: null } },
  },
};

describe("transcription sessions (?intent=transcription)", () => {
  it("relays a transcription session and records its transcripts and usage", async () => {
    // The tenant's instructions and tools are for model sessions: none reach a transcription session.
    const tenant = await createTenant({ realtime: { instructions: "Be brief." } });
    await putTool(tenant.id, "lookup_order", {
      description: "Looks up an order",
      url: "https://tools.example.test/x",
    });
    const { client, sessionId } = await startSession({
      key: tenant.key,
      user: "listener",
      query: "intent=transcription",
    });
    expect((client.events[0] as RtEvent & { session: { type: string } }).session.type).toBe("transcription");
    client.send(TRANSCRIBE);
    await client.next("session.updated");
    for (let i = 0; i < 5; i++) client.send({ type: "input_audio_buffer.append", audio: audioFrame(100) });
    client.send({ type: "input_audio_buffer.commit" });
    const heard = await client.next<Transcribed>("conversation.item.input_audio_transcription.completed");
    expect(heard.transcript.length).toBeGreaterThan(0);
    expect(client.types()).not.toContain("error");
    client.close();
    await client.waitClosed();

    const detail = await eventually(
      () => recordedSession(tenant.id, sessionId),
      (d) => d.status === "ended",
    );
    expect(detail).toMatchObject({ type: "transcription", model: "gpt-4o-transcribe", status: "ended" });
    expect(detail.items.map((i) => [i.type, i.role, i.text])).toEqual([
      ["message", "user", heard.transcript],
    ]);
    expect(detail.responses).toMatchObject([
      {
        response_id: heard.item_id,
        input_tokens: heard.usage.input_tokens,
        total_tokens: heard.usage.total_tokens,
      },
    ]);
    expect(detail.usage).toMatchObject({
      responses: 1,
      input_tokens: heard.usage.input_tokens,
      output_tokens: heard.usage.output_tokens,
    });
    expect(detail.usage.input_audio_seconds).toBeCloseTo(0.5, 2);
  });

  it("refuses model and intent together, and an unknown intent, before upgrading", async () => {
    const tenant = await createTenant();
    const both = await upgrade({
      key: tenant.key,
      user: "u",
      query: "model=gpt-realtime&intent=transcription",
    });
    expect(both.status).toBe(400);
    expect(await errorOf(both)).toMatchObject({ param: "intent", code: "conflicting_parameters" });
    const unknown = await upgrade({ key: tenant.key, user: "u", query: "intent=translation" });
    expect(unknown.status).toBe(400);
    expect((await errorOf(unknown)).param).toBe("intent");
  });

  it("applies the same authentication: an API key without an end user is the user key:<key id>", async () => {
    const tenant = await createTenant();
    const res = await upgrade({ key: tenant.key, query: "intent=transcription" });
    expect(res.status).toBe(101);
    res.webSocket?.accept();
    res.webSocket?.close(1000);
  });
});

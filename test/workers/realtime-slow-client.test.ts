import { describe, expect, it } from "vitest";
import { createTenant } from "./helpers/gateway";
import {
  connect,
  eventually,
  type RtErrorEvent,
  type RtEvent,
  recordedSession,
  sayText,
  startSession,
} from "./helpers/realtime";

/** 65,536 bytes of replay buffer: a client may fall 32 KiB behind, about nine words of answer audio. */
const SMALL_BUFFER = { realtime: { replay_buffer_bytes: 65_536 } };
const LONG_TURN =
  "please give me a long spoken answer with many many words so that its audio is far longer than a few words";

/**
 * An answer over the 32 KiB a client may fall behind, but whose whole audio fits the 64 KiB buffer:
 * the reattach then finds everything after the last ack however late it comes (with LONG_TURN the
 * buffer overflows and ends the session if the provider finishes before the client is back).
 */
const MEDIUM_TURN = "please give me a spoken answer of a medium length now";

const errorsOf = (events: RtEvent[]) => events.filter((e): e is RtErrorEvent => e.type === "error");

describe("slow clients (edgegate.ack)", () => {
  it("never forwards acks upstream and never drops a client that keeps acknowledging", async () => {
    const tenant = await createTenant(SMALL_BUFFER);
    const { client } = await startSession({ key: tenant.key, user: "keeps-up" });
    client.autoAck = true;
    for (let turn = 0; turn < 2; turn++) {
      sayText(client, LONG_TURN);
      const done = await client.next<RtEvent & { response: { status: string } }>("response.done");
      expect(done.response.status).toBe("completed");
    }
    // The provider answers an unknown client event with an `error`: none came, so no ack reached it.
    expect(errorsOf(client.events)).toEqual([]);
    const deltas = client.events.filter((e) => e.type === "response.output_audio.delta");
    const audioChars = deltas.reduce((sum, e) => sum + String(e.delta).length, 0);
    // Each turn streamed more than the 32 KiB an acknowledging client may fall behind.
    expect(audioChars).toBeGreaterThan(2 * 32 * 1024);
    client.close();
    expect((await client.waitClosed()).code).toBe(1000);
  });

  it("answers an ack of an event it never sent with invalid_ack, and the session goes on", async () => {
    const tenant = await createTenant();
    const { client } = await startSession({ key: tenant.key, user: "bad-ack" });
    client.send({ type: "edgegate.ack", event_id: "my_ack_1", last_event_id: "event_never_sent" });
    const refused = await client.next<RtErrorEvent>("error");
    expect(refused.error.code).toBe("invalid_ack");
    expect(refused.error.param).toBe("last_event_id");
    expect(refused.error.event_id).toBe("my_ack_1");
    expect(refused.error.message).toContain("event_never_sent");
    // The gateway's own notices that are not kept for replay are taken silently; a missing id is not.
    client.send({ type: "edgegate.ack", last_event_id: "event_gw0123456789abcdef0123" });
    client.send({ type: "edgegate.ack", event_id: "my_ack_2" });
    const missing = await client.next<RtErrorEvent>("error");
    expect(missing.error.event_id).toBe("my_ack_2");
    expect(missing.error.message).toContain("needs 'last_event_id'");
    sayText(client, "still here");
    expect(
      (await client.next<RtEvent & { transcript: string }>("response.output_audio_transcript.done"))
        .transcript,
    ).toBe("You said: still here");
    client.close();
  });

  it("disconnects a client that stops acknowledging with client_too_slow; it resumes from its last ack without missing an event", async () => {
    const tenant = await createTenant(SMALL_BUFFER);
    const { client, sessionId } = await startSession({ key: tenant.key, user: "falls-behind" });
    const created = client.events[0] as RtEvent;
    client.ack(created.event_id ?? "");
    sayText(client, MEDIUM_TURN);
    const tooSlow = await client.next<RtErrorEvent>("error");
    expect(tooSlow.error.code).toBe("client_too_slow");
    expect(tooSlow.error.message).toContain("within 30 s with session_id and last_event_id");
    expect(await client.waitClosed()).toEqual({ code: 1008, reason: "client too slow" });
    const seenBeforeDrop = client.events
      .slice(1)
      .filter((e) => e.type !== "error")
      .map((e) => e.event_id);

    const resumed = await connect({
      key: tenant.key,
      user: "falls-behind",
      query: `session_id=${encodeURIComponent(sessionId)}&last_event_id=${encodeURIComponent(created.event_id ?? "")}`,
    });
    const done = await resumed.next<RtEvent & { response: { status: string } }>("response.done");
    expect(done.response.status).toBe("completed");
    expect(errorsOf(resumed.events)).toEqual([]);
    const replayed = resumed.events.map((e) => e.event_id);
    // Everything after the acknowledged event, in order: first what the slow socket had been sent...
    expect(replayed.slice(0, seenBeforeDrop.length)).toEqual(seenBeforeDrop);
    expect(new Set(replayed).size).toBe(replayed.length);
    // ...and the rest of the answer, every transcript delta once.
    const transcript = resumed.events.find(
      (e) => e.type === "response.output_audio_transcript.done",
    ) as RtEvent & {
      transcript: string;
    };
    const deltas = resumed.events.filter((e) => e.type === "response.output_audio_transcript.delta");
    expect(deltas.map((e) => e.delta).join("")).toBe(transcript.transcript);
    expect(transcript.transcript).toBe(`You said: ${MEDIUM_TURN}`);
    resumed.close();
  });

  it("ends the session as client_too_slow when the tenant allows no reconnect", async () => {
    const tenant = await createTenant({
      realtime: { replay_buffer_bytes: 65_536, reconnect_grace_seconds: 0 },
    });
    const { client, sessionId } = await startSession({ key: tenant.key, user: "no-grace" });
    client.ack(client.events[0]?.event_id ?? "");
    sayText(client, LONG_TURN);
    const tooSlow = await client.next<RtErrorEvent>("error");
    expect(tooSlow.error.code).toBe("client_too_slow");
    expect(tooSlow.error.message).toContain("cannot be resumed");
    expect((await client.waitClosed()).code).toBe(1008);
    const ended = await eventually(
      () => recordedSession(tenant.id, sessionId),
      (d) => d.status === "ended",
    );
    expect(ended.end_reason).toBe("client_too_slow");
  });
});

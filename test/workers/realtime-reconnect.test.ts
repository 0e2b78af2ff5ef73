import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { createTenant } from "./helpers/gateway";
import {
  connect,
  eventually,
  type RtEvent,
  recordedSession,
  sayText,
  startSession,
  upgrade,
} from "./helpers/realtime";

const resume = (sessionId: string, lastEventId?: string) =>
  `session_id=${encodeURIComponent(sessionId)}${lastEventId ? `&last_event_id=${encodeURIComponent(lastEventId)}` : ""}`;

/** A network drop as the gateway sees it: the socket goes away without a normal close. */
const DROP = 4000;

describe("realtime reconnect", () => {
  it("keeps the upstream through a drop and replays what the client missed, in order", async () => {
    const tenant = await createTenant();
    const { client, sessionId } = await startSession({ key: tenant.key, user: "phone" });
    sayText(client, "tell me about the weather in the mountains today");
    const created = await client.next("response.created");
    client.close(DROP, "network change");
    await client.waitClosed();

    const resumed = await connect({
      key: tenant.key,
      user: "phone",
      query: resume(sessionId, created.event_id),
    });
    const done = await resumed.next<RtEvent & { response: { status: string } }>("response.done");
    expect(done.response.status).toBe("completed");
    const replayed = resumed.events;
    expect(replayed[0]?.type).toBe("rate_limits.updated");
    expect(replayed.map((e) => e.event_id)).not.toContain(created.event_id);
    expect(new Set(replayed.map((e) => e.event_id)).size).toBe(replayed.length);
    const transcript = replayed.find((e) => e.type === "response.output_audio_transcript.done") as RtEvent & {
      transcript: string;
    };
    expect(transcript.transcript).toBe("You said: tell me about the weather in the mountains today");
    // Every transcript delta arrived once and in order: together they spell the whole answer.
    const deltas = replayed.filter((e) => e.type === "response.output_audio_transcript.delta") as (RtEvent & {
      delta: string;
    })[];
    expect(deltas.length).toBeGreaterThan(5);
    expect(deltas.map((e) => e.delta).join("")).toBe(transcript.transcript);

    sayText(resumed, "and tomorrow");
    expect(
      (await resumed.next<RtEvent & { transcript: string }>("response.output_audio_transcript.done"))
        .transcript,
    ).toBe("You said: and tomorrow");
    resumed.close();
  });

  it("replays the events produced since the drop when no last_event_id is given", async () => {
    const tenant = await createTenant();
    const { client, sessionId } = await startSession({ key: tenant.key, user: "u" });
    client.close(DROP);
    await client.waitClosed();
    const resumed = await connect({ key: tenant.key, user: "u", query: resume(sessionId) });
    sayText(resumed, "hi again");
    await resumed.next("response.done");
    expect(resumed.types()[0]).toBe("conversation.item.added");
    resumed.close();
  });

  it("never lets another user or another tenant attach to a session", async () => {
    const tenant = await createTenant();
    const other = await createTenant();
    const { client, sessionId } = await startSession({ key: tenant.key, user: "owner" });
    client.close(DROP);
    await client.waitClosed();
    const stranger = await upgrade({ key: tenant.key, user: "stranger", query: resume(sessionId) });
    expect(stranger.status).toBe(404);
    expect(((await stranger.json()) as { error: { code: string } }).error.code).toBe("session_not_found");
    const sameNameElsewhere = await upgrade({ key: other.key, user: "owner", query: resume(sessionId) });
    expect(sameNameElsewhere.status).toBe(404);
    const owner = await connect({ key: tenant.key, user: "owner", query: resume(sessionId) });
    owner.close();
  });

  it("closes the upstream when the grace period passes", async () => {
    const tenant = await createTenant({ realtime: { reconnect_grace_seconds: 1 } });
    const { client, sessionId } = await startSession({ key: tenant.key, user: "gone" });
    client.close(DROP);
    await client.waitClosed();
    // The object's alarm, run with the clock past the grace period instead of waiting it out.
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(Date.now() + 1_100);
      expect(await runDurableObjectAlarm(env.REALTIME.getByName(`${tenant.id}:gone`))).toBe(true);
    } finally {
      vi.useRealTimers();
    }
    expect((await upgrade({ key: tenant.key, user: "gone", query: resume(sessionId) })).status).toBe(404);
  });

  it("ends the session at once when the client closes normally", async () => {
    const tenant = await createTenant();
    const { client, sessionId } = await startSession({ key: tenant.key, user: "u" });
    client.close(1000);
    await client.waitClosed();
    expect((await upgrade({ key: tenant.key, user: "u", query: resume(sessionId) })).status).toBe(404);
  });

  it("hands the session to a new connection while the old one still looks open", async () => {
    const tenant = await createTenant();
    const { client, sessionId } = await startSession({ key: tenant.key, user: "u" });
    const resumed = await connect({ key: tenant.key, user: "u", query: resume(sessionId) });
    const old = await client.waitClosed();
    expect(old).toEqual({ code: 1000, reason: "Session resumed by another connection" });
    sayText(resumed, "here now");
    await resumed.next("response.done");
    resumed.close();
  });

  it("ends a detached session whose missed events outgrow the replay buffer", async () => {
    const tenant = await createTenant({ realtime: { replay_buffer_bytes: 65_536 } });
    const { client, sessionId } = await startSession({ key: tenant.key, user: "u" });
    sayText(
      client,
      "a long answer please with many many words so that the audio is longer than one second ok",
    );
    await client.next("response.created");
    client.close(DROP);
    await client.waitClosed();
    // Until the upstream's answer overflows the buffer: the session's end is recorded as it happens.
    const ended = await eventually(
      () => recordedSession(tenant.id, sessionId),
      (d) => d.status === "ended",
    );
    expect(ended.end_reason).toBe("replay_buffer_overflow");
    expect((await upgrade({ key: tenant.key, user: "u", query: resume(sessionId) })).status).toBe(404);
  });
});

import { describe, expect, it } from "vitest";
import { admin, createTenant } from "./helpers/gateway";
import {
  audioFrame,
  type RtErrorEvent,
  type RtEvent,
  sayText,
  startSession,
  turnsByHand,
  upgrade,
} from "./helpers/realtime";

interface SessionEvent extends RtEvent {
  session: { instructions: string; audio: { output: { voice: string } }; tools: { name: string }[] };
}

const ENFORCED = "Always answer in French.";

describe("realtime session policy", () => {
  it("sets the tenant's instructions and keeps them ahead of every client session.update", async () => {
    const tenant = await createTenant({ realtime: { instructions: ENFORCED } });
    const { client } = await startSession({ key: tenant.key, user: "u" });
    const initial = await client.next<SessionEvent>("session.updated");
    expect(initial.session.instructions).toBe(ENFORCED);
    client.send({ type: "session.update", session: { type: "realtime", instructions: "Be brief." } });
    const updated = await client.next<SessionEvent>("session.updated");
    expect(updated.session.instructions).toBe(`${ENFORCED}\n\nBe brief.`);
    client.send({ type: "session.update", session: { type: "realtime", instructions: "" } });
    expect((await client.next<SessionEvent>("session.updated")).session.instructions).toBe(ENFORCED);
    client.close();
  });

  it("applies a settings change to the next session at once", async () => {
    const tenant = await createTenant({ realtime: { instructions: ENFORCED } });
    const patched = await admin(`/tenants/${tenant.id}`, "PATCH", {
      settings: { realtime: { instructions: "Speak Spanish." } },
    });
    expect(patched.status).toBe(200);
    const { client } = await startSession({ key: tenant.key, user: "u" });
    expect((await client.next<SessionEvent>("session.updated")).session.instructions).toBe("Speak Spanish.");
    client.close();
  });

  it("starts with the first allowed voice and refuses a voice the tenant does not allow", async () => {
    const tenant = await createTenant({ realtime: { allowed_voices: ["marin", "cedar"] } });
    const { client } = await startSession({ key: tenant.key, user: "u" });
    expect((await client.next<SessionEvent>("session.updated")).session.audio.output.voice).toBe("marin");
    client.send({
      type: "session.update",
      event_id: "evt_voice",
      session: { type: "realtime", audio: { output: { voice: "alloy" } } },
    });
    const refused = await client.next<RtErrorEvent>("error");
    expect(refused.error).toMatchObject({
      code: "voice_not_allowed",
      param: "session.audio.output.voice",
      event_id: "evt_voice",
    });
    client.send({
      type: "session.update",
      session: { type: "realtime", audio: { output: { voice: "cedar" } } },
    });
    expect((await client.next<SessionEvent>("session.updated")).session.audio.output.voice).toBe("cedar");
    client.close();
  });

  it("refuses a session.update to a model the tenant does not allow", async () => {
    const tenant = await createTenant({ allowed_models: ["gpt-realtime"] });
    const { client } = await startSession({ key: tenant.key, user: "u" });
    client.send({ type: "session.update", session: { type: "realtime", model: "gpt-realtime-mini" } });
    expect((await client.next<RtErrorEvent>("error")).error.code).toBe("model_not_allowed");
    client.close();
  });

  it("ends a session at the tenant's maximum length with an error event and a clean close", async () => {
    const tenant = await createTenant({ realtime: { max_session_seconds: 1 } });
    const { client } = await startSession({ key: tenant.key, user: "u" });
    const expired = await client.next<RtErrorEvent>("error", 2500);
    expect(expired.error.code).toBe("session_expired");
    expect(expired.error.message).toContain("1 seconds");
    expect((await client.waitClosed()).code).toBe(1000);
  });

  it("ends the session with error and close 1008 when the daily token quota is used up, then refuses new ones", async () => {
    const tenant = await createTenant({ realtime: { daily_tokens_per_user: 10 } });
    const { client } = await startSession({ key: tenant.key, user: "heavy" });
    sayText(client, "use up my tokens please");
    await client.next("response.done");
    const error = await client.next<RtErrorEvent>("error");
    expect(error.error).toMatchObject({ code: "quota_exceeded", type: "rate_limit_error" });
    expect(error.error.message).toContain("10 tokens");
    expect((await client.waitClosed()).code).toBe(1008);

    const again = await upgrade({ key: tenant.key, user: "heavy" });
    expect(again.status).toBe(429);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe("quota_exceeded");
    const other = await startSession({ key: tenant.key, user: "light" });
    other.client.close();
  });

  it("ends the session when the daily audio quota is used up by streamed audio", async () => {
    const tenant = await createTenant({ realtime: { daily_audio_seconds_per_user: 1 } });
    const { client } = await startSession({ key: tenant.key, user: "talker" });
    turnsByHand(client);
    const frame = audioFrame(100);
    for (let i = 0; i < 9; i++) client.send({ type: "input_audio_buffer.append", audio: frame });
    client.send({ type: "input_audio_buffer.commit" });
    await client.next("input_audio_buffer.committed");
    expect(client.types()).not.toContain("error");
    client.send({ type: "input_audio_buffer.append", audio: frame });
    const error = await client.next<RtErrorEvent>("error");
    expect(error.error.code).toBe("quota_exceeded");
    expect(error.error.message).toContain("1 seconds");
    expect((await client.waitClosed()).code).toBe(1008);
  });
});

import { describe, expect, it } from "vitest";
import { createTenant } from "./helpers/gateway";
import {
  audioFrame,
  connect,
  type RtErrorEvent,
  type RtEvent,
  sayText,
  startSession,
  turnsByHand,
} from "./helpers/realtime";
import { sim } from "./helpers/sim";

type Item = { content?: { text?: string }[] };

describe("realtime relay", () => {
  it("relays a turn both ways, audio deltas untouched", async () => {
    const tenant = await createTenant();
    const { client } = await startSession({ key: tenant.key, user: "u1" });
    sayText(client, "hello there");
    const delta = await client.next<RtEvent & { delta: string }>("response.output_audio.delta");
    expect(atob(delta.delta).length).toBeGreaterThan(0);
    const transcript = await client.next<RtEvent & { transcript: string }>(
      "response.output_audio_transcript.done",
    );
    expect(transcript.transcript).toBe("You said: hello there");
    await client.next("response.done");
    client.close();
    expect((await client.waitClosed()).code).toBe(1000);
  });

  it("relays the provider's error events without the operator's organization id", async () => {
    const tenant = await createTenant();
    const { client } = await startSession({ key: tenant.key, user: "scrubbed" });
    // The provider echoes the unknown type in its error message, as it would an id of the account.
    const orgId = "org-AbCdEfGhIjKlMnOpQrStUvWx";
    client.send({ type: `unknown.${orgId}` });
    const error = await client.next<RtErrorEvent>("error");
    expect(error.error.code).toBe("invalid_value");
    expect(error.error.message).toContain("[redacted]");
    expect(JSON.stringify(error)).not.toContain(orgId);
    client.close();
  });

  it("flushes client events sent before the upstream is ready upstream, in order", async () => {
    const tenant = await createTenant();
    const client = await connect({ key: tenant.key, user: "early" });
    for (const text of ["one", "two", "three"]) {
      client.send({
        type: "conversation.item.create",
        item: { type: "message", role: "user", content: [{ type: "input_text", text }] },
      });
    }
    client.send({ type: "response.create" });
    await client.next("session.created");
    const texts: (string | undefined)[] = [];
    for (let i = 0; i < 3; i++) {
      const added = await client.next<RtEvent & { item: Item }>("conversation.item.added");
      texts.push(added.item.content?.[0]?.text);
    }
    expect(texts).toEqual(["one", "two", "three"]);
    const done = await client.next<RtEvent & { response: { status: string } }>("response.done");
    expect(done.response.status).toBe("completed");
    client.close();
  });

  it("answers binary, invalid JSON and oversized frames with an error event and keeps the session", async () => {
    const tenant = await createTenant();
    const { client } = await startSession({ key: tenant.key, user: "sloppy" });
    client.send(new Uint8Array([1, 2, 3]).buffer);
    expect((await client.next<RtErrorEvent>("error")).error.code).toBe("binary_frame_not_supported");
    client.send("{not json");
    const invalid = await client.next<RtErrorEvent>("error");
    expect(invalid.error.code).toBe("invalid_json");
    expect(invalid.error.message).toContain("not valid JSON");
    client.send(`{"type":"input_audio_buffer.append","audio":"${"A".repeat(16 * 1024 * 1024)}"}`);
    const tooLarge = await client.next<RtErrorEvent>("error");
    expect(tooLarge.error.code).toBe("frame_too_large");
    expect(tooLarge.error.message).toContain("16 MiB");
    sayText(client, "still here");
    const transcript = await client.next<RtEvent & { transcript: string }>(
      "response.output_audio_transcript.done",
    );
    expect(transcript.transcript).toBe("You said: still here");
    client.close();
  });

  it("accepts a 12 MiB audio frame and relays it upstream whole", async () => {
    const tenant = await createTenant();
    const { client } = await startSession({ key: tenant.key, user: "big" });
    turnsByHand(client);
    await client.next("session.updated");
    const second = audioFrame(1000);
    const audio = second.repeat(Math.floor((12 * 1024 * 1024) / second.length));
    client.send({ type: "input_audio_buffer.append", audio });
    client.send({ type: "input_audio_buffer.commit" });
    const committed = await client.next<RtEvent & { item_id: string }>(
      "input_audio_buffer.committed",
      10_000,
    );
    expect(committed.item_id).toMatch(/^item_/);
    expect(client.types()).not.toContain("error");
    client.close();
  });

  it("passes unknown event types through to the upstream", async () => {
    const tenant = await createTenant();
    const { client } = await startSession({ key: tenant.key, user: "future" });
    client.send({ type: "conversation.future_event", event_id: "evt_future" });
    const error = await client.next<RtErrorEvent>("error");
    // The simulator (not the gateway) refuses it: the frame reached the upstream.
    expect(error.error.param).toBe("type");
    expect(error.error.message).toContain("conversation.future_event");
    expect(error.error.event_id).toBe("evt_future");
    client.close();
  });

  it("gives the client an error event and close 1014 within a second when the upstream drops", async () => {
    const tenant = await createTenant();
    await sim.fault({ route: "GET /v1/realtime", dropWebSocketAfterEvents: 1 });
    const client = await connect({ key: tenant.key, user: "dropped" });
    await client.next("session.created");
    const started = Date.now();
    const error = await client.next<RtErrorEvent>("error", 1000);
    expect(error.error.code).toBe("upstream_disconnected");
    const closed = await client.waitClosed(1000);
    expect(closed.code).toBe(1014);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("gives the client an error event and close 1014 within a second when the upstream refuses", async () => {
    const tenant = await createTenant();
    await sim.fault({ route: "GET /v1/realtime", refuseConnection: true });
    const started = Date.now();
    const client = await connect({ key: tenant.key, user: "refused" });
    const error = await client.next<RtErrorEvent>("error", 1000);
    expect(error.error.code).toBe("upstream_unreachable");
    expect((await client.waitClosed(1000)).code).toBe(1014);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("closes with 1013 and the upstream's message when the upstream rate-limits the handshake", async () => {
    const tenant = await createTenant();
    await sim.fault({ route: "GET /v1/realtime", errorStatus: 429 });
    const client = await connect({ key: tenant.key, user: "limited" });
    const error = await client.next<RtErrorEvent>("error", 1000);
    expect(error.error.code).toBe("rate_limit_exceeded");
    expect(error.error.message).toContain("429");
    expect((await client.waitClosed(1000)).code).toBe(1013);
  });
});

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "./index";
import { RealtimeTestClient as Client } from "./realtime-test-client";

const OFFER = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n";

let sim: Simulator;
beforeEach(async () => {
  sim = await startSimulator();
});
afterEach(async () => {
  await sim.close();
});

async function createCall(session: Record<string, unknown>): Promise<Response> {
  const form = new FormData();
  form.set("sdp", OFFER);
  form.set("session", JSON.stringify(session));
  return fetch(`${sim.url}/realtime/calls`, {
    method: "POST",
    headers: { authorization: "Bearer sk-sim-edgegate" },
    body: form,
  });
}

describe("WebRTC calls", () => {
  it("answers an SDP offer with 201, an SDP answer and the call's Location", async () => {
    const res = await createCall({ type: "realtime", model: "gpt-realtime" });
    expect(res.status).toBe(201);
    expect(res.headers.get("content-type")).toMatch(/^application\/sdp/);
    expect(res.headers.get("location")).toMatch(/^\/v1\/realtime\/calls\/rtc_[0-9a-f]{32}$/);
    expect(await res.text()).toMatch(/^v=0\r\n[\s\S]*m=application 9 UDP\/DTLS\/SCTP webrtc-datachannel/);
  });

  it("refuses a body that is not an SDP offer", async () => {
    const form = new FormData();
    form.set("session", JSON.stringify({ type: "realtime" }));
    const missing = await fetch(`${sim.url}/realtime/calls`, {
      method: "POST",
      headers: { authorization: "Bearer sk-sim-edgegate" },
      body: form,
    });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: { param: string } }).error.param).toBe("sdp");
  });

  it("lets a sideband socket join the call's session, carries the peer's events, and ends it on hangup", async () => {
    const res = await createCall({ type: "realtime", model: "gpt-realtime", instructions: "Be brief." });
    const callId = (res.headers.get("location") ?? "").split("/").pop() ?? "";
    const sideband = await Client.connect(sim.origin, { query: `?call_id=${callId}` });
    const created = await sideband.next("session.created");
    expect(created.session).toMatchObject({ type: "realtime", instructions: "Be brief." });

    const peer = await fetch(`${sim.origin}/__sim/realtime/calls/${callId}/events`, {
      method: "POST",
      body: JSON.stringify([
        {
          type: "conversation.item.create",
          item: { type: "message", role: "user", content: [{ type: "input_text", text: "hello" }] },
        },
        { type: "response.create" },
      ]),
    });
    expect(peer.status).toBe(200);
    expect((await sideband.next("response.output_audio_transcript.done")).transcript).toBe("You said: hello");

    const hangup = await fetch(`${sim.url}/realtime/calls/${callId}/hangup`, {
      method: "POST",
      headers: { authorization: "Bearer sk-sim-edgegate" },
    });
    expect(hangup.status).toBe(200);
    expect((await sideband.closed).code).toBe(1000);
    const gone = await Client.reject(sim.origin, { query: `?call_id=${callId}` });
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe("call_not_found");
  });
});

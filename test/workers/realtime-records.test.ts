import { afterEach, describe, expect, it } from "vitest";
import { admin, createTenant } from "./helpers/gateway";
import { audioFrame, eventually, type RtEvent, sayText, startSession } from "./helpers/realtime";
import { serveLookupOrder, type ToolServer } from "./helpers/realtime-tools";

interface Usage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  input_token_details: { cached_tokens: number };
}
interface SessionRecord {
  id: string;
  user: string;
  status: string;
  end_reason: string | null;
  instructions: string | null;
  usage: {
    responses: number;
    input_tokens: number;
    output_tokens: number;
    input_audio_seconds: number;
    output_audio_seconds: number;
  };
  tool_calls: number;
}
interface Detail extends SessionRecord {
  responses: { response_id: string; input_tokens: number; output_tokens: number; total_tokens: number }[];
  items: {
    type: string;
    role: string | null;
    text: string | null;
    name: string | null;
    output: string | null;
    server_tool: boolean;
  }[];
}

let toolServer: ToolServer | null = null;
afterEach(() => {
  toolServer?.stop();
  toolServer = null;
});

const getJson = async <T>(path: string): Promise<{ status: number; body: T }> => {
  const res = await admin(path);
  return { status: res.status, body: (await res.json()) as T };
};

describe("realtime usage and transcripts", () => {
  it("records usage and the conversation of a session in D1 and shows it to the admin", async () => {
    const tenant = await createTenant({ realtime: { instructions: "Be helpful." } });
    toolServer = await serveLookupOrder(tenant.id, () => Response.json({ status: "shipped" }));
    const { client, sessionId } = await startSession({ key: tenant.key, user: "recorded" });
    client.send({
      type: "session.update",
      session: {
        type: "realtime",
        audio: { input: { transcription: { model: "gpt-4o-transcribe" }, turn_detection: null } },
      },
    });
    await client.next("session.updated");
    sayText(client, "hello gateway");
    await client.next("response.done");
    for (let i = 0; i < 5; i++) client.send({ type: "input_audio_buffer.append", audio: audioFrame(100) });
    client.send({ type: "input_audio_buffer.commit" });
    client.send({ type: "response.create" });
    const heard = await client.next<RtEvent & { transcript: string; usage: Usage }>(
      "conversation.item.input_audio_transcription.completed",
    );
    await client.next("response.done");
    sayText(client, "lookup_order for Carol");
    await client.next("response.output_audio_transcript.done");
    await client.next("response.done");
    const dones = client.events.filter((e) => e.type === "response.done") as (RtEvent & {
      response: { usage: Usage };
    })[];
    client.close();
    await client.waitClosed();

    const listed = await eventually(
      () => getJson<{ data: SessionRecord[] }>(`/tenants/${tenant.id}/realtime/sessions`),
      (r) => r.body.data[0]?.status === "ended",
    );
    const record = listed.body.data[0] as SessionRecord;
    expect(record).toMatchObject({
      id: sessionId,
      user: "recorded",
      status: "ended",
      end_reason: "client_closed",
      tool_calls: 1,
    });
    expect(record.instructions).toBe("Be helpful.");
    // The input transcription's tokens are billed apart from the responses': recorded as their own usage.
    expect(record.usage.responses).toBe(dones.length + 1);
    expect(record.usage.input_tokens).toBe(
      dones.reduce((n, e) => n + e.response.usage.input_tokens, heard.usage.input_tokens),
    );
    expect(record.usage.output_tokens).toBe(
      dones.reduce((n, e) => n + e.response.usage.output_tokens, heard.usage.output_tokens),
    );
    expect(record.usage.input_audio_seconds).toBeCloseTo(0.5, 2);
    expect(record.usage.output_audio_seconds).toBeGreaterThan(0);

    const detail = await getJson<Detail>(`/tenants/${tenant.id}/realtime/sessions/${sessionId}`);
    expect(detail.status).toBe(200);
    expect(detail.body.responses).toHaveLength(dones.length + 1);
    expect(detail.body.items.map((i) => [i.type, i.role, i.text])).toEqual([
      ["message", "user", "hello gateway"],
      ["message", "assistant", "You said: hello gateway"],
      ["message", "user", heard.transcript],
      ["message", "assistant", `You said: ${heard.transcript}`],
      ["message", "user", "lookup_order for Carol"],
      ["function_call", null, null],
      ["function_call_output", null, null],
      ["message", "assistant", "The lookup_order result is status shipped."],
    ]);
    expect(detail.body.items.filter((i) => i.server_tool).map((i) => i.type)).toEqual([
      "function_call",
      "function_call_output",
    ]);

    const example = await getJson<{ messages: Record<string, unknown>[] }>(
      `/tenants/${tenant.id}/realtime/sessions/${sessionId}/chat_example`,
    );
    expect(example.body.messages.slice(0, 3)).toEqual([
      { role: "system", content: "Be helpful." },
      { role: "user", content: "hello gateway" },
      { role: "assistant", content: "You said: hello gateway" },
    ]);
    expect(example.body.messages.slice(-3)).toMatchObject([
      {
        role: "assistant",
        content: null,
        tool_calls: [{ type: "function", function: { name: "lookup_order" } }],
      },
      { role: "tool", content: '{"status":"shipped"}' },
      { role: "assistant", content: "The lookup_order result is status shipped." },
    ]);
  });

  it("keeps one tenant's sessions away from another's admin views", async () => {
    const tenant = await createTenant();
    const other = await createTenant();
    const { client, sessionId } = await startSession({ key: tenant.key, user: "private" });
    client.close();
    const own = await eventually(
      () => getJson<{ data: SessionRecord[] }>(`/tenants/${tenant.id}/realtime/sessions`),
      (r) => r.body.data.length === 1,
    );
    expect(own.body.data.map((s) => s.id)).toEqual([sessionId]);
    expect((await getJson(`/tenants/${other.id}/realtime/sessions/${sessionId}`)).status).toBe(404);
    expect((await getJson<{ data: unknown[] }>(`/tenants/${other.id}/realtime/sessions`)).body.data).toEqual(
      [],
    );
  });
});

import { afterEach, describe, expect, it } from "vitest";
import { createTenant } from "./helpers/gateway";
import {
  eventually,
  type RtClient,
  type RtEvent,
  recordedSession,
  sayText,
  startSession,
} from "./helpers/realtime";
import { serveLookupOrder, type ToolServer } from "./helpers/realtime-tools";

interface CallDone extends RtEvent {
  name: string;
  call_id: string;
}
interface ResponseDone extends RtEvent {
  response: { output: { type: string; name?: string }[] };
}

const SHOW_MAP = {
  type: "function",
  name: "show_map",
  description: "Shows a map of a city on the user's screen",
  parameters: { type: "object", properties: { city: { type: "string" } } },
};

let toolServer: ToolServer | null = null;
afterEach(() => {
  toolServer?.stop();
  toolServer = null;
});

/** A session of a tenant with the server tool `lookup_order`, whose client has its own `show_map`. */
async function mixedSession(respond: () => Response | Promise<Response>) {
  const tenant = await createTenant();
  toolServer = await serveLookupOrder(tenant.id, respond);
  const { client, sessionId } = await startSession({ key: tenant.key, user: "u" });
  client.send({ type: "session.update", session: { type: "realtime", tools: [SHOW_MAP] } });
  await client.next("session.updated");
  return { tenant, client, sessionId };
}

/** The client runs its own call the way an SDK app does: its output, then `response.create`. */
function answerClientCall(client: RtClient, callId: string): void {
  client.send({
    type: "conversation.item.create",
    item: { type: "function_call_output", call_id: callId, output: JSON.stringify({ shown: true }) },
  });
  client.send({ type: "response.create" });
}

/**
 * Events from `from` up to a `session.updated` the upstream sends after everything queued before it:
 * a second `response.create` sent upstream would show up here as a response or an error.
 */
async function settledTypes(client: RtClient, from: number): Promise<string[]> {
  client.send({ type: "session.update", session: { type: "realtime" } });
  await client.next("session.updated");
  return client.types().slice(from);
}

describe("a response with server and client tool calls", () => {
  it("holds the client's response.create until the server output is upstream, and sends only that one", async () => {
    let answer: () => void = () => {};
    const answered = new Promise<void>((resolve) => {
      answer = resolve;
    });
    const { client } = await mixedSession(async () => {
      await answered;
      return Response.json({ status: "shipped" });
    });
    sayText(client, "lookup_order for Alice and show_map of Paris");
    const call = await client.next<CallDone>("response.function_call_arguments.done");
    expect(call.name).toBe("show_map");
    const done = await client.next<ResponseDone>("response.done");
    expect(done.response.output.map((o) => o.name)).toEqual(["show_map"]);
    // The call reaches the tool server after its host is checked (two DNS-over-HTTPS lookups).
    const names = await eventually(
      async () => toolServer?.requests.map((r) => r.payload.name) ?? [],
      (called) => called.length > 0,
    );
    expect(names).toEqual(["lookup_order"]);

    const from = client.events.length;
    answerClientCall(client, call.call_id);
    // The client's output reached the upstream (and its response.create the gateway) while the tool runs.
    await client.next("conversation.item.done");
    answer();
    const transcript = await client.next<RtEvent & { transcript: string }>(
      "response.output_audio_transcript.done",
    );
    expect(transcript.transcript).toBe(
      "The show_map result is shown true. The lookup_order result is status shipped.",
    );
    await client.next("response.done");
    const types = await settledTypes(client, from);
    expect(types.filter((t) => t === "response.created")).toHaveLength(1);
    expect(types).not.toContain("error");
    client.close();
  });

  it("continues once with every output when the server tool answers before the client", async () => {
    const { client } = await mixedSession(() => Response.json({ status: "shipped" }));
    sayText(client, "show_map of Paris and lookup_order for Alice");
    const call = await client.next<CallDone>("response.function_call_arguments.done");
    expect(call.name).toBe("show_map");
    await client.next("response.done");
    const from = client.events.length;
    // The gateway must not continue on its own: the model would answer without the client's output.
    await settledTypes(client, from);
    answerClientCall(client, call.call_id);
    const transcript = await client.next<RtEvent & { transcript: string }>(
      "response.output_audio_transcript.done",
    );
    expect(transcript.transcript).toContain("The lookup_order result is status shipped.");
    expect(transcript.transcript).toContain("The show_map result is shown true.");
    await client.next("response.done");
    const types = await settledTypes(client, from);
    expect(types.filter((t) => t === "response.created")).toHaveLength(1);
    expect(types).not.toContain("error");
    client.close();
  });
});

describe("server tool calls in the session record", () => {
  it("shows each call's name, arguments, output or error and duration, in order with the transcript", async () => {
    const tenant = await createTenant();
    let calls = 0;
    toolServer = await serveLookupOrder(tenant.id, () =>
      ++calls === 1 ? Response.json({ status: "shipped" }) : new Response("database down", { status: 503 }),
    );
    const { client, sessionId } = await startSession({ key: tenant.key, user: "u" });
    for (const text of ["lookup_order for Alice", "lookup_order for Bob"]) {
      sayText(client, text);
      await client.next("response.output_audio_transcript.done");
      await client.next("response.done");
    }
    client.close();
    await client.waitClosed();

    const detail = await eventually(
      () => recordedSession(tenant.id, sessionId),
      (d) => d.status === "ended",
    );
    expect(detail.items.map((i) => [i.type, i.role, i.server_tool])).toEqual([
      ["message", "user", false],
      ["function_call", null, true],
      ["function_call_output", null, true],
      ["message", "assistant", false],
      ["message", "user", false],
      ["function_call", null, true],
      ["function_call_output", null, true],
      ["message", "assistant", false],
    ]);
    const [ok, failed] = detail.items.filter((i) => i.type === "function_call");
    expect(ok).toMatchObject({ name: "lookup_order", output: '{"status":"shipped"}', error: null });
    expect(JSON.parse(ok?.arguments ?? "")).toEqual({ customer: "Alice" });
    expect(failed).toMatchObject({
      name: "lookup_order",
      error: "The tool server answered HTTP 503: database down",
    });
    expect(JSON.parse(failed?.arguments ?? "")).toEqual({ customer: "Bob" });
    expect(JSON.parse(failed?.output ?? "")).toEqual({
      error: { tool: "lookup_order", message: "The tool server answered HTTP 503: database down" },
    });
    for (const call of [ok, failed]) {
      expect(Number.isInteger(call?.duration_ms)).toBe(true);
      expect(call?.duration_ms).toBeGreaterThanOrEqual(0);
    }
    const plain = detail.items.filter((i) => i.type !== "function_call");
    expect(plain.every((i) => i.error === null && i.duration_ms === null)).toBe(true);
  });
});

import { afterEach, describe, expect, it } from "vitest";
import { adminAs, createConsoleTenant } from "./helpers/console";
import { admin, createTenant, errorOf } from "./helpers/gateway";
import { METADATA_SECRET, METADATA_URL, metadataHits } from "./helpers/outbound-corpus";
import {
  eventually,
  putTool,
  type RtEvent,
  recordedSession,
  sayText,
  startSession,
} from "./helpers/realtime";
import { startToolServer, TOOL_ORIGIN, type ToolServer } from "./helpers/realtime-tools";

interface SessionEvent extends RtEvent {
  session: { tools: { name: string }[] };
}
interface ResponseDone extends RtEvent {
  response: { output: { type: string; name?: string }[] };
}

const LOOKUP = {
  description: "Looks up an order by customer name",
  parameters: { type: "object", properties: { customer: { type: "string" } }, required: ["customer"] },
  url: `${TOOL_ORIGIN}/lookup`,
};

let toolServer: ToolServer | null = null;
afterEach(() => {
  toolServer?.stop();
  toolServer = null;
});

/** Runs one text turn and waits for the final assistant transcript (after any server tool ran). */
async function turn(
  client: Awaited<ReturnType<typeof startSession>>["client"],
  text: string,
): Promise<string> {
  sayText(client, text);
  const done = await client.next<RtEvent & { transcript: string }>("response.output_audio_transcript.done");
  return done.transcript;
}

describe("server-side tool registry", () => {
  it("registers, replaces, lists and deletes tools; the signing secret is shown once", async () => {
    const tenant = await createTenant();
    const first = await putTool(tenant.id, "lookup_order", LOOKUP);
    expect(first.status).toBe(201);
    expect(first.webhook_secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    const second = await putTool(tenant.id, "cancel_order", {
      ...LOOKUP,
      description: "Cancels",
      timeout_ms: 500,
    });
    expect(second.status).toBe(201);
    expect(second.webhook_secret).toBeUndefined();
    const replaced = await putTool(tenant.id, "lookup_order", { ...LOOKUP, description: "Finds an order" });
    expect(replaced.status).toBe(200);
    const list = (await (await admin(`/tenants/${tenant.id}/tools`)).json()) as {
      data: Record<string, unknown>[];
    };
    expect(list.data.map((t) => [t.name, t.description, t.timeout_ms])).toEqual([
      ["cancel_order", "Cancels", 500],
      ["lookup_order", "Finds an order", 10_000],
    ]);
    expect((await admin(`/tenants/${tenant.id}/tools/cancel_order`, "DELETE")).status).toBe(200);
    expect((await admin(`/tenants/${tenant.id}/tools/cancel_order`, "DELETE")).status).toBe(404);
  });

  it("refuses invalid tools and unknown tenants", async () => {
    const tenant = await createTenant();
    const badUrl = await admin(`/tenants/${tenant.id}/tools/x`, "PUT", {
      ...LOOKUP,
      url: "ftp://example.com",
    });
    expect(badUrl.status).toBe(400);
    expect(((await badUrl.json()) as { error: { param: string } }).error.param).toBe("url");
    expect((await admin(`/tenants/${tenant.id}/tools/bad name`, "PUT", LOOKUP)).status).toBe(400);
    expect((await admin("/tenants/ten_missing/tools/x", "PUT", LOOKUP)).status).toBe(404);
  });
});

describe("server-side tools on private hosts", () => {
  it("refuses a console key a tool on an allowed private address written as a DNS name; the operator may", async () => {
    // OUTBOUND_ALLOW_PRIVATE_HOSTS lets 127.0.0.1:9 through; private.edgegate.test resolves to 127.0.0.1.
    const t = await createConsoleTenant();
    const tool = (url: string) => ({ description: "d", parameters: { type: "object" }, url });
    for (const url of ["http://127.0.0.1:9/tool", "http://private.edgegate.test:9/tool"]) {
      const refused = await adminAs(t.consoleKey, `/tenants/${t.id}/tools/inside`, "PUT", tool(url));
      expect(refused.status, url).toBe(403);
      expect(await errorOf(refused)).toMatchObject({ code: "admin_token_required", param: "url" });
    }
    const byAdmin = await putTool(t.id, "inside", tool("http://private.edgegate.test:9/tool"));
    expect(byAdmin.status).toBe(201);
  });
});

describe("server-side tools in a session", () => {
  it("adds the tenant's tools to every session and keeps the client's own tools", async () => {
    const tenant = await createTenant();
    await putTool(tenant.id, "lookup_order", LOOKUP);
    const { client } = await startSession({ key: tenant.key, user: "u" });
    expect((await client.next<SessionEvent>("session.updated")).session.tools.map((t) => t.name)).toEqual([
      "lookup_order",
    ]);
    client.send({
      type: "session.update",
      session: {
        type: "realtime",
        tools: [{ type: "function", name: "show_map", description: "d", parameters: {} }],
      },
    });
    const names = (await client.next<SessionEvent>("session.updated")).session.tools.map((t) => t.name);
    expect(names).toEqual(["show_map", "lookup_order"]);
    client.close();
  });

  it("runs a server tool call with a signed POST and continues without the client's help", async () => {
    const tenant = await createTenant();
    const { webhook_secret } = await putTool(tenant.id, "lookup_order", LOOKUP);
    toolServer = startToolServer(() => Response.json({ status: "shipped" }));
    toolServer.secret = webhook_secret ?? "";
    const { client, sessionId } = await startSession({ key: tenant.key, user: "shopper" });
    const answer = await turn(client, "please lookup_order for Alice");
    expect(answer).toBe("The lookup_order result is status shipped.");

    const [call] = toolServer.requests;
    expect(toolServer.requests).toHaveLength(1);
    expect(call?.signatureValid).toBe(true);
    expect(call?.payload).toMatchObject({
      tenant: tenant.id,
      user: "shopper",
      session_id: sessionId,
      name: "lookup_order",
    });
    expect(JSON.parse(call?.payload.arguments ?? "")).toEqual({ customer: "Alice" });
    expect(call?.payload.call_id).toMatch(/^call_/);
    // Nothing that would make an SDK run the tool reached the client.
    const types = client.types();
    expect(types).not.toContain("response.function_call_arguments.delta");
    expect(types).not.toContain("response.function_call_arguments.done");
    // The gateway's own tool events are only for clients that ask for them.
    expect(types).not.toContain("edgegate.tool_call");
    const outputs = client.events.filter((e) => e.type === "response.done") as ResponseDone[];
    expect(outputs.flatMap((e) => e.response.output.map((o) => o.type))).not.toContain("function_call");
    const items = client.events.filter((e) => e.type.startsWith("conversation.item")) as (RtEvent & {
      item: { type: string };
    })[];
    expect(items.map((e) => e.item.type)).not.toContain("function_call");
    expect(items.map((e) => e.item.type)).not.toContain("function_call_output");
    client.close();
  });

  it("tells the model when a tool fails or times out", async () => {
    const tenant = await createTenant();
    const { webhook_secret } = await putTool(tenant.id, "lookup_order", LOOKUP);
    await putTool(tenant.id, "slow_tool", { ...LOOKUP, url: `${TOOL_ORIGIN}/slow`, timeout_ms: 100 });
    toolServer = startToolServer(async (req) => {
      if (req.url.endsWith("/slow")) await new Promise((resolve) => setTimeout(resolve, 1000));
      return new Response("database down", { status: 503 });
    });
    toolServer.secret = webhook_secret ?? "";
    const { client } = await startSession({ key: tenant.key, user: "u" });
    const failed = await turn(client, "lookup_order for Bob");
    expect(failed).toContain("The lookup_order result is error");
    expect(failed).toContain("HTTP 503");
    const slow = await turn(client, "call slow_tool now");
    expect(slow).toContain("did not answer within 100 ms");
    client.close();
  });

  it("tells a client that asked (edgegate_events=tool_calls) when a server tool runs and how it ended", async () => {
    const tenant = await createTenant();
    const { webhook_secret } = await putTool(tenant.id, "lookup_order", LOOKUP);
    await putTool(tenant.id, "slow_tool", { ...LOOKUP, url: `${TOOL_ORIGIN}/slow`, timeout_ms: 100 });
    toolServer = startToolServer(async (req) => {
      if (req.url.endsWith("/slow")) await new Promise((resolve) => setTimeout(resolve, 1000));
      return Response.json({ status: "shipped" });
    });
    toolServer.secret = webhook_secret ?? "";
    const { client } = await startSession({
      key: tenant.key,
      user: "u",
      query: "model=gpt-realtime&edgegate_events=tool_calls",
    });
    type Notice = RtEvent & {
      call_id: string;
      name: string;
      arguments: string;
      status: string;
      output?: string;
      error?: string | null;
      duration_ms?: number;
    };
    await turn(client, "please lookup_order for Alice");
    const notices = client.events.filter((e) => e.type === "edgegate.tool_call") as Notice[];
    expect(notices.map((n) => [n.name, n.status])).toEqual([
      ["lookup_order", "running"],
      ["lookup_order", "completed"],
    ]);
    const [running, completed] = notices;
    expect(completed?.call_id).toBe(running?.call_id);
    expect(JSON.parse(running?.arguments ?? "")).toEqual({ customer: "Alice" });
    expect(JSON.parse(completed?.output ?? "")).toEqual({ status: "shipped" });
    expect(completed?.error).toBeNull();
    expect(completed?.duration_ms).toBeGreaterThanOrEqual(0);
    // Still nothing that would make an SDK run the tool.
    expect(client.types()).not.toContain("response.function_call_arguments.done");

    await turn(client, "call slow_tool now");
    const failed = (client.events.filter((e) => e.type === "edgegate.tool_call") as Notice[]).at(-1);
    expect(failed).toMatchObject({ name: "slow_tool", status: "failed" });
    expect(failed?.error).toContain("did not answer within 100 ms");
    client.close();
  });

  // Regression: a 307 to a loopback "metadata" server returned its secret to the client, the
  // model and the session record. Redirect hops now go through the outbound-URL guard.
  it("refuses a redirect to a loopback server: its answer reaches neither the client, the model nor the record", async () => {
    const tenant = await createTenant();
    const { webhook_secret } = await putTool(tenant.id, "lookup_order", LOOKUP);
    toolServer = startToolServer(
      () => new Response("moved", { status: 307, headers: { location: METADATA_URL } }),
    );
    toolServer.secret = webhook_secret ?? "";
    const before = await metadataHits();
    const { client, sessionId } = await startSession({
      key: tenant.key,
      user: "u",
      query: "model=gpt-realtime&edgegate_events=tool_calls",
    });
    const answer = await turn(client, "please lookup_order for Alice");
    expect(answer).toContain("The lookup_order result is error");
    const done = client.events.filter((e) => e.type === "edgegate.tool_call").at(-1) as
      | (RtEvent & { status: string; error: string })
      | undefined;
    expect(done).toMatchObject({ status: "failed" });
    expect(done?.error).toMatch(
      /refused to call the tool's URL: redirect 1 refused: 127\.0\.0\.1 is a private/,
    );
    client.close();
    await client.waitClosed();
    const detail = await eventually(
      () => recordedSession(tenant.id, sessionId),
      (d) => d.status === "ended",
    );
    const everything = JSON.stringify([client.events, detail]);
    expect(everything).not.toContain(METADATA_SECRET);
    expect(await metadataHits()).toBe(before);
    expect(toolServer.requests).toHaveLength(1);
  });

  it("passes client-side tool calls through untouched", async () => {
    const tenant = await createTenant();
    await putTool(tenant.id, "lookup_order", LOOKUP);
    const { client } = await startSession({ key: tenant.key, user: "u" });
    client.send({
      type: "session.update",
      session: {
        type: "realtime",
        tools: [{ type: "function", name: "show_map", description: "d", parameters: {} }],
      },
    });
    await client.next("session.updated");
    sayText(client, "show_map of Paris");
    const done = await client.next<RtEvent & { name: string; call_id: string }>(
      "response.function_call_arguments.done",
    );
    expect(done.name).toBe("show_map");
    const responseDone = await client.next<ResponseDone>("response.done");
    expect(responseDone.response.output.map((o) => o.name)).toEqual(["show_map"]);
    client.close();
  });
});

import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createTenant, gw, jsonInit } from "./helpers/gateway";

const auth = (key: string) => ({ authorization: `Bearer ${key}` });

/** A recorded Realtime session, as the relay writes it (migrations/0003_realtime.sql). */
async function recordSession(tenantId: string, keyId: string, status: "active" | "ended"): Promise<string> {
  const id = `rs_${crypto.randomUUID().slice(0, 12)}`;
  const items = [
    ["message", "user", "What's the weather in Oslo?", null, null, null, null],
    ["function_call", null, null, "get_weather", "call_1", '{"city":"Oslo"}', null],
    ["function_call_output", null, null, null, "call_1", null, '{"celsius":4}'],
    ["message", "assistant", "It is 4 degrees in Oslo.", null, null, null, null],
  ];
  await env.DB.batch([
    env.DB.prepare(
      `INSERT INTO realtime_sessions (id, tenant_id, user_id, key_id, model, status, instructions, started_at)
       VALUES (?, ?, 'u1', ?, 'gpt-realtime', ?, 'Be brief.', 0)`,
    ).bind(id, tenantId, keyId, status),
    ...items.map(([type, role, text, name, callId, args, output], i) =>
      env.DB.prepare(
        `INSERT INTO realtime_items (session_id, item_id, ordinal, type, role, text, name, call_id, arguments, output, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`,
      ).bind(id, `item_${i}`, i, type, role, text, name, callId, args, output),
    ),
  ]);
  return id;
}

describe("import of Realtime sessions", () => {
  it("turns a finished session into a chat example with its tool call, and skips live or foreign ones", async () => {
    const { id: tenantId, key, keyId } = await createTenant();
    const ended = await recordSession(tenantId, keyId, "ended");
    const live = await recordSession(tenantId, keyId, "active");
    const other = await createTenant();
    const foreign = await recordSession(other.id, other.keyId, "ended");
    const ds = (await (await gw("/v1/datasets", jsonInit("POST", { name: "voice" }, auth(key)))).json()) as {
      id: string;
    };
    const res = await gw(
      `/v1/datasets/${ds.id}/import`,
      jsonInit("POST", { realtime_session_ids: [ended, live, foreign] }, auth(key)),
    );
    const report = (await res.json()) as {
      imported: number;
      skipped: number;
      errors: { source_id: string }[];
    };
    expect(report).toMatchObject({ imported: 1, skipped: 2 });
    expect(report.errors.map((e) => e.source_id)).toEqual([live, foreign]);
    const examples = await gw(`/v1/datasets/${ds.id}/examples`, { headers: auth(key) });
    const [example] = ((await examples.json()) as { data: { example: unknown }[] }).data;
    expect(example?.example).toEqual({
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "What's the weather in Oslo?" },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            {
              id: "call_1",
              type: "function",
              function: { name: "get_weather", arguments: '{"city":"Oslo"}' },
            },
          ],
        },
        { role: "tool", tool_call_id: "call_1", content: '{"celsius":4}' },
        { role: "assistant", content: "It is 4 degrees in Oslo." },
      ],
    });
  });
});

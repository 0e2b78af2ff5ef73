import { describe, expect, it } from "vitest";
import { admin, createTenant } from "./helpers/gateway";
import { putTool, type RtEvent, startSession } from "./helpers/realtime";

interface SessionEvent extends RtEvent {
  session: { instructions: string; tools: { name: string }[] };
}

describe("realtime policy size", () => {
  it("refuses a tool whose parameter schema is over 16 KiB", async () => {
    const tenant = await createTenant();
    const res = await admin(`/tenants/${tenant.id}/tools/huge`, "PUT", {
      description: "too big",
      parameters: { type: "object", description: "x".repeat(17 * 1024) },
      url: "https://tools.example.test/x",
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { param: string } }).error.param).toBe("parameters");
  });

  it("hands a policy too large for a header (long non-ASCII instructions, 40 tools) to the session intact", async () => {
    const instructions = "Réponds toujours poliment, en français. ".repeat(800).trim();
    const tenant = await createTenant({ realtime: { instructions } });
    const properties = Object.fromEntries(
      Array.from({ length: 20 }, (_, i) => [`field_${i}`, { type: "string", description: "x".repeat(80) }]),
    );
    for (let i = 0; i < 40; i++) {
      const put = await putTool(tenant.id, `tool_${i}`, {
        description: `Tool number ${i}`,
        parameters: { type: "object", properties },
        url: "https://tools.example.test/x",
      });
      expect(put.status).toBe(201);
    }
    expect((await admin(`/tenants/${tenant.id}`)).status).toBe(200);
    const { client } = await startSession({ key: tenant.key, user: "u" });
    const updated = await client.next<SessionEvent>("session.updated");
    expect(updated.session.instructions).toBe(instructions);
    expect(updated.session.tools).toHaveLength(40);
    client.close();
  });
});

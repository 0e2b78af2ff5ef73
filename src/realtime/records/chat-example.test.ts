import { describe, expect, it } from "vitest";
import { sessionToChatExample } from "./chat-example";
import type { ItemRow, SessionRow } from "./sessions-repository";

const item = (ordinal: number, fields: Partial<ItemRow>): ItemRow => ({
  item_id: `item_${ordinal}`,
  ordinal,
  type: "message",
  role: null,
  text: null,
  name: null,
  call_id: null,
  arguments: null,
  output: null,
  server_tool: 0,
  tool_error: null,
  tool_duration_ms: null,
  ...fields,
});

describe("sessionToChatExample", () => {
  it("orders turns, groups parallel calls and leaves out untranscribed audio", () => {
    const session = { instructions: "Be kind." } as SessionRow;
    const items = [
      item(4, { type: "function_call_output", call_id: "c1", output: '{"ok":true}' }),
      item(0, { role: "user", text: "hi" }),
      item(1, { role: "user", text: null }),
      item(2, { type: "function_call", call_id: "c1", name: "a", arguments: '{"x":1}' }),
      item(3, { type: "function_call", call_id: "c2", name: "b", arguments: "{}" }),
      item(5, { type: "function_call_output", call_id: "c2", output: "done" }),
      item(6, { role: "assistant", text: "All set." }),
    ];
    expect(sessionToChatExample({ session, items })).toEqual({
      messages: [
        { role: "system", content: "Be kind." },
        { role: "user", content: "hi" },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: "c1", type: "function", function: { name: "a", arguments: '{"x":1}' } },
            { id: "c2", type: "function", function: { name: "b", arguments: "{}" } },
          ],
        },
        { role: "tool", tool_call_id: "c1", content: '{"ok":true}' },
        { role: "tool", tool_call_id: "c2", content: "done" },
        { role: "assistant", content: "All set." },
      ],
    });
  });
});

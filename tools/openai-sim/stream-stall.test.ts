import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "./index";

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());

describe("stallStreamAfterEvents", () => {
  it("sends N events, then nothing, and holds the connection until the client leaves", async () => {
    const fault = await fetch(`${sim.origin}/__sim/faults`, {
      method: "POST",
      body: JSON.stringify({ route: "POST /v1/chat/completions", stallStreamAfterEvents: 2 }),
    });
    expect(fault.status).toBe(200);
    const controller = new AbortController();
    const res = await fetch(`${sim.url}/chat/completions`, {
      method: "POST",
      headers: { authorization: "Bearer sk-sim-edgegate", "content-type": "application/json" },
      body: JSON.stringify({
        model: "gpt-4o-mini",
        stream: true,
        messages: [{ role: "user", content: "a story" }],
      }),
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = "";
    while ((text.match(/\n\n/g) ?? []).length < 2) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ended: ${text}`);
      text += decoder.decode(value, { stream: true });
    }
    // The third read stays pending: the stall only ends when the client gives up.
    const third = reader.read().then(
      () => "read",
      () => "aborted",
    );
    const raced = await Promise.race([third, new Promise((r) => setTimeout(() => r("pending"), 200))]);
    expect(raced).toBe("pending");
    expect(text).not.toContain("[DONE]");
    controller.abort();
    expect(await third).toBe("aborted");
  });

  it("refuses a negative stall", async () => {
    const res = await fetch(`${sim.origin}/__sim/faults`, {
      method: "POST",
      body: JSON.stringify({ stallStreamAfterEvents: -1 }),
    });
    expect(res.status).toBe(400);
  });
});

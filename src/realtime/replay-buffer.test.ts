import { describe, expect, it } from "vitest";
import { ReplayBuffer } from "./replay-buffer";

const frame = (id: string, size = 10) => `${id}:${"x".repeat(size)}`;

describe("replay buffer", () => {
  it("replays the frames after last_event_id in order, including ones a dying socket swallowed", () => {
    const buffer = new ReplayBuffer(1_000_000);
    for (const id of ["e1", "e2", "e3"]) buffer.push(id, frame(id));
    buffer.detach();
    buffer.push("e4", frame("e4"));
    expect(buffer.reattach("e1")).toEqual({
      frames: [frame("e2"), frame("e3"), frame("e4")],
      complete: true,
    });
  });

  it("replays what was produced since the drop when no event id is given", () => {
    const buffer = new ReplayBuffer(1_000_000);
    buffer.push("e1", frame("e1"));
    buffer.detach();
    buffer.push("e2", frame("e2"));
    expect(buffer.reattach(null).frames).toEqual([frame("e2")]);
  });

  it("keeps a bounded tail while attached and says when the asked-for event is gone", () => {
    const limit = 200 * 1024;
    const buffer = new ReplayBuffer(limit);
    const size = 64 * 1024;
    for (let i = 0; i < 10; i++) buffer.push(`e${i}`, frame(`e${i}`, size));
    expect(buffer.bytes).toBeLessThanOrEqual(limit);
    buffer.detach();
    const replay = buffer.reattach("e0");
    expect(replay.complete).toBe(false);
    expect(replay.frames).toEqual([frame("e7", size), frame("e8", size), frame("e9", size)]);
    expect(buffer.reattach("e8")).toEqual({ frames: [frame("e9", size)], complete: true });
  });

  it("makes room for a detached session's new events by dropping the oldest ones from before the drop", () => {
    const buffer = new ReplayBuffer(100);
    for (let i = 0; i < 5; i++) buffer.push(`old${i}`, "x".repeat(20));
    buffer.detach();
    expect(buffer.push("new0", "y".repeat(50))).toBe(true);
    expect(buffer.push("new1", "y".repeat(50))).toBe(true);
    expect(buffer.reattach(null).frames).toEqual(["y".repeat(50), "y".repeat(50)]);
  });

  it("reports overflow once a detached session outgrows its bound", () => {
    const buffer = new ReplayBuffer(100);
    buffer.detach();
    expect(buffer.push("a", "x".repeat(60))).toBe(true);
    expect(buffer.push("b", "x".repeat(60))).toBe(false);
  });
});

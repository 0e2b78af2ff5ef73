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

  it("tells where each kept event ends in the stream of events", () => {
    const buffer = new ReplayBuffer(100);
    buffer.push("a", "x".repeat(30));
    buffer.push("b", "x".repeat(30));
    expect([buffer.endOf("a"), buffer.endOf("b"), buffer.total]).toEqual([30, 60, 60]);
    buffer.push("c", "x".repeat(60));
    // "a" was evicted; positions keep counting from the session's first event.
    expect([buffer.endOf("a"), buffer.endOf("c"), buffer.total]).toEqual([null, 120, 120]);
  });

  it("makes room by dropping only events a dropped client had read (up to readThrough)", () => {
    const buffer = new ReplayBuffer(100);
    for (let i = 0; i < 4; i++) buffer.push(`e${i}`, `e${i}`.padEnd(20, "."));
    // The client read through e1; e2 and e3 were sent but never read.
    buffer.acknowledge("e1");
    buffer.detach();
    expect(buffer.push("n0", "n0".padEnd(20, "."))).toBe(true);
    expect(buffer.push("n1", "n1".padEnd(20, "."))).toBe(true);
    // e0 made room; e1, the last event read, stays so the client can reattach with its id.
    expect(buffer.reattach("e1")).toEqual({
      frames: ["e2".padEnd(20, "."), "e3".padEnd(20, "."), "n0".padEnd(20, "."), "n1".padEnd(20, ".")],
      complete: true,
    });
  });

  it("overflows rather than drop an event a dropped client had not read", () => {
    const buffer = new ReplayBuffer(100);
    for (let i = 0; i < 4; i++) buffer.push(`e${i}`, "x".repeat(20));
    buffer.acknowledge("e1");
    buffer.detach();
    expect(buffer.push("n0", "y".repeat(20))).toBe(true);
    expect(buffer.push("n1", "y".repeat(20))).toBe(true);
    // Only the last read event, the unread ones and new ones are left: no room without losing one.
    expect(buffer.push("n2", "y".repeat(20))).toBe(false);
  });

  it("replays from the first unread event when a client dropped for being slow reattaches without an id", () => {
    const buffer = new ReplayBuffer(1000);
    for (let i = 0; i < 3; i++) buffer.push(`e${i}`, `f${i}`);
    buffer.acknowledge("e0");
    buffer.detach();
    expect(buffer.reattach(null).frames).toEqual(["f1", "f2"]);
  });

  it("gives back every frame exactly, across slabs, with non-ASCII text and frames of their own", () => {
    const buffer = new ReplayBuffer(16 * 1024 * 1024);
    const frames: string[] = [];
    for (let i = 0; i < 300; i++) {
      const text = i % 7 === 0 ? `"transcript":"héllo wörld 😀 ${i}"` : "A".repeat(500 + ((i * 977) % 9000));
      frames.push(`{"type":"t","event_id":"e${i}",${text}}`);
    }
    frames.push(`{"type":"big","audio":"${"B".repeat(200_000)}"}`);
    for (const [i, f] of frames.entries()) buffer.push(`e${i}`, f);
    buffer.detach();
    expect(buffer.reattach("e0").frames).toEqual(frames.slice(1));
  });

  it("finds events by ids of any characters", () => {
    const buffer = new ReplayBuffer(1000);
    for (const id of ["event_plain_0123456789abcdef", 'with "quote"', "tab\there", "é😀"])
      buffer.push(id, "x");
    expect([buffer.endOf('with "quote"'), buffer.endOf("tab\there"), buffer.endOf("é😀")]).toEqual([2, 3, 4]);
  });

  it("counts sizes in UTF-8 bytes", () => {
    const buffer = new ReplayBuffer(1000);
    buffer.push("a", "é😀");
    expect([buffer.bytes, buffer.total]).toEqual([6, 6]);
  });

  it("never evicts the event a client acknowledged, nor later ones, while it is attached", () => {
    const buffer = new ReplayBuffer(100);
    buffer.push("e0", "x".repeat(30));
    buffer.push("e1", "x".repeat(30));
    buffer.acknowledge("e0");
    // A frame bigger than the bound would otherwise evict e0 and e1.
    buffer.push("e2", "y".repeat(90));
    expect([buffer.endOf("e0"), buffer.endOf("e1")]).toEqual([30, 60]);
    expect(buffer.bytes).toBe(150);
    expect(buffer.unacknowledged).toBe(120);
    buffer.detach();
    expect(buffer.reattach("e0")).toEqual({ frames: ["x".repeat(30), "y".repeat(90)], complete: true });
    // Reattached, nothing is pinned any more: the bound holds again.
    buffer.push("e3", "z".repeat(10));
    expect(buffer.bytes).toBeLessThanOrEqual(100);
    expect(buffer.unacknowledged).toBeNull();
    expect(buffer.acknowledge("e0")).toBe(false);
  });

  it("reports overflow once a detached session outgrows its bound", () => {
    const buffer = new ReplayBuffer(100);
    buffer.detach();
    expect(buffer.push("a", "x".repeat(60))).toBe(true);
    expect(buffer.push("b", "x".repeat(60))).toBe(false);
  });
});

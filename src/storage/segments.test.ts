import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  isRef,
  MissingSegmentError,
  parseRef,
  readRecord,
  readRecords,
  segmentKey,
  writeSegment,
} from "./segments";

describe("segments in R2", () => {
  it("writes a batch as one object and reads each body back by its reference", async () => {
    const bodies = [
      '{"a":1}',
      "é".repeat(3000),
      "",
      JSON.stringify({ messages: [{ role: "user", content: "hi" }] }),
    ];
    const refs = await writeSegment(env.BLOBS, "ten_a", bodies);
    expect(refs).toHaveLength(4);
    expect(new Set(refs.map((r) => parseRef(r)?.segment)).size).toBe(1);
    const listed = await env.BLOBS.list({ prefix: "seg/ten_a/" });
    expect(listed.objects).toHaveLength(1);
    expect(await readRecords(env.BLOBS, "ten_a", [...refs].reverse())).toEqual([...bodies].reverse());
    expect(await readRecord(env.BLOBS, "ten_a", refs[1] as string)).toBe(bodies[1]);
  });

  it("keeps bodies unreadable without the key in the reference", async () => {
    const [ref] = await writeSegment(env.BLOBS, "ten_b", ["secret prompt"]);
    const parsed = parseRef(ref as string);
    const object = await env.BLOBS.get(segmentKey("ten_b", parsed?.segment as string));
    const stored = new TextDecoder().decode(await object?.arrayBuffer());
    expect(stored).not.toContain("secret");
    const wrongKey = (ref as string).replace(/\.[A-Za-z0-9_-]{22}$/, ".AAAAAAAAAAAAAAAAAAAAAA");
    await expect(readRecord(env.BLOBS, "ten_b", wrongKey)).rejects.toThrow();
  });

  it("reads another tenant's reference as missing, never as that tenant's body", async () => {
    const [ref] = await writeSegment(env.BLOBS, "ten_c", ["c's body"]);
    await expect(readRecord(env.BLOBS, "ten_d", ref as string)).rejects.toBeInstanceOf(MissingSegmentError);
  });

  it("tells references from inline bodies written before R2", () => {
    expect(isRef('{"id":"chatcmpl-1"}')).toBe(false);
    expect(isRef("s1.abc.0.10.short")).toBe(false);
    expect(parseRef("s1.abc.0.32.AAAAAAAAAAAAAAAAAAAAAA")).toMatchObject({
      segment: "abc",
      offset: 0,
      length: 32,
    });
  });
});

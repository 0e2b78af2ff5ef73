import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  base64AudioBytes,
  base64StringBytes,
  classifyClientFrame,
  frameEventId,
  frameType,
  isPlainAppend,
  topLevelString,
} from "./frame";

const AUDIO = "AAAA/+8=";

/**
 * Crafted client frames (the Realtime policy bypass): each one's real type is what
 * `JSON.parse` makes of it, as the provider does; none may take the append fast path.
 */
const CRAFTED: Array<[name: string, frame: string, type: string]> = [
  [
    "duplicate type, append first",
    `{"type":"input_audio_buffer.append","type":"session.update","session":{"type":"realtime"},"audio":"${AUDIO}"}`,
    "session.update",
  ],
  [
    "duplicate type, append last",
    `{"type":"session.update","type":"input_audio_buffer.append","audio":"${AUDIO}"}`,
    "input_audio_buffer.append",
  ],
  [
    "duplicate type after the audio",
    `{"type":"input_audio_buffer.append","audio":"${AUDIO}","type":"session.update","session":{}}`,
    "session.update",
  ],
  ["escaped type value", '{"type":"\\u0072esponse.create","response":{}}', "response.create"],
  ["escaped type key", '{"\\u0074ype":"response.create","response":{}}', "response.create"],
  [
    "escaped key shadows a plain append",
    `{"type":"input_audio_buffer.append","\\u0074ype":"session.update","audio":"${AUDIO}"}`,
    "session.update",
  ],
  [
    "escape inside the audio value",
    `{"type":"input_audio_buffer.append","audio":"AA\\",\\"type\\":\\"x"}`,
    "input_audio_buffer.append",
  ],
  [
    "quote inside the audio ends the value early",
    `{"type":"input_audio_buffer.append","audio":"AA","type":"session.update","x":"y"}`,
    "session.update",
  ],
  ["nested type only", '{"session":{"type":"session.update"},"type":"response.create"}', "response.create"],
  ["whitespace", '{ "type" : "session.update" , "session" : { } }', "session.update"],
  ["key order", `{"audio":"${AUDIO}","type":"input_audio_buffer.append"}`, "input_audio_buffer.append"],
  [
    "event_id with an escape",
    `{"type":"input_audio_buffer.append","event_id":"a"","type":"session.update","audio":"${AUDIO}"}`,
    "session.update",
  ],
];

describe("frame inspection", () => {
  it("reads type and event_id from the usual layout without parsing", () => {
    const frame = '{"type":"response.output_audio.delta","event_id":"event_1","delta":"AAAA"}';
    expect(frameType(frame)).toBe("response.output_audio.delta");
    expect(frameEventId(frame, "response.output_audio.delta")).toBe("event_1");
  });

  it("finds the top-level type whatever the key order, ignoring nested and quoted ones", () => {
    const frame = JSON.stringify({
      event_id: "e",
      session: { type: "realtime", instructions: 'say "type":"x" \\" {[' },
      type: "session.update",
    });
    expect(frameType(frame)).toBe("session.update");
    expect(topLevelString('{ "type" : "spaced" }', "type")).toBe("spaced");
    expect(topLevelString('{"type":5}', "type")).toBeNull();
    expect(topLevelString('{"audio":"unterminated', "type")).toBeNull();
  });

  it("agrees with JSON.parse on any object with a top-level string type", () => {
    const key = fc.string({ minLength: 1, maxLength: 8 }).filter((k) => k !== "type");
    fc.assert(
      fc.property(
        fc.dictionary(key, fc.jsonValue(), { maxKeys: 5 }),
        fc.stringMatching(/^[a-z_.]{1,40}$/),
        fc.nat(5),
        (rest, type, at) => {
          const entries = Object.entries(rest);
          entries.splice(Math.min(at, entries.length), 0, ["type", type]);
          const frame = JSON.stringify(Object.fromEntries(entries));
          expect(frameType(frame)).toBe((JSON.parse(frame) as { type: string }).type);
        },
      ),
    );
  });

  it("lets only a plain input_audio_buffer.append take the no-parse path", () => {
    expect(isPlainAppend(`{"type":"input_audio_buffer.append","audio":"${AUDIO}"}`)).toBe(true);
    expect(isPlainAppend(`{"type":"input_audio_buffer.append","event_id":"evt_1","audio":"${AUDIO}"}`)).toBe(
      true,
    );
    expect(isPlainAppend(`{"type":"input_audio_buffer.append","audio":""}`)).toBe(true);
    expect(isPlainAppend(`{"type":"input_audio_buffer.append","audio":"${AUDIO}"} `)).toBe(false);
    expect(isPlainAppend(`{"type":"input_audio_buffer.append","event_id":"a b","audio":"${AUDIO}"}`)).toBe(
      false,
    );
    expect(isPlainAppend('{"type":"input_audio_buffer.append"}')).toBe(false);
  });

  it.each(CRAFTED)("acts on the type JSON.parse sees: %s", (_name, frame, type) => {
    expect(isPlainAppend(frame)).toBe(false);
    const classified = classifyClientFrame(frame);
    if (classified.kind === "invalid") {
      expect(() => JSON.parse(frame)).toThrow();
      return;
    }
    expect(classified).toMatchObject({ kind: "event", type });
    expect((JSON.parse(frame) as { type: string }).type).toBe(type);
  });

  it("agrees with JSON.parse on generated frames, duplicate keys included", () => {
    const type = fc.constantFrom("input_audio_buffer.append", "session.update", "response.create");
    const member = fc.oneof(
      type.map((t) => `"type":${JSON.stringify(t)}`),
      fc.constant(`"audio":"${AUDIO}"`),
      fc.constant('"event_id":"e1"'),
      fc.constant('"session":{"type":"realtime"}'),
      type.map((t) => `"\\u0074ype":${JSON.stringify(t)}`),
    );
    fc.assert(
      fc.property(fc.array(member, { minLength: 1, maxLength: 5 }), (members) => {
        const frame = `{${members.join(",")}}`;
        const parsed = JSON.parse(frame) as { type?: string };
        const classified = classifyClientFrame(frame);
        if (classified.kind === "append") expect(parsed.type).toBe("input_audio_buffer.append");
        else if (classified.kind === "event") expect(classified.type).toBe(parsed.type);
        else expect(parsed.type).toBeUndefined();
      }),
    );
  });

  it("says why a frame without a usable type is refused", () => {
    expect(classifyClientFrame("{nope")).toMatchObject({ kind: "invalid", code: "invalid_json" });
    expect(classifyClientFrame("[1,2]")).toMatchObject({ kind: "invalid", code: "invalid_event" });
    expect(classifyClientFrame('"session.update"')).toMatchObject({ kind: "invalid", code: "invalid_event" });
    expect(classifyClientFrame('{"event_id":"x"}')).toMatchObject({
      kind: "invalid",
      code: "invalid_event",
      clientEventId: "x",
    });
  });

  it("measures base64 audio without decoding it", () => {
    const bytes = new Uint8Array(4801);
    const audio = btoa(String.fromCharCode(...bytes));
    expect(base64AudioBytes(`{"type":"input_audio_buffer.append","audio":"${audio}"}`, "audio")).toBe(4801);
    expect(classifyClientFrame(`{"type":"input_audio_buffer.append","audio":"${audio}"}`)).toEqual({
      kind: "append",
      audioBytes: 4801,
    });
    expect(base64StringBytes(audio)).toBe(4801);
    expect(base64AudioBytes(`{"type":"x","delta":"QUI="}`, "delta")).toBe(2);
    expect(base64AudioBytes(`{"type":"x"}`, "delta")).toBe(0);
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { base64AudioBytes, diagnoseFrame, frameEventId, frameType, topLevelString } from "./frame";

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

  it("says why a frame without a usable type is refused", () => {
    expect(diagnoseFrame("{nope")).toMatchObject({ code: "invalid_json" });
    expect(diagnoseFrame("[1,2]")).toMatchObject({ code: "invalid_event" });
    expect(diagnoseFrame('{"event_id":"x"}')).toMatchObject({ code: "invalid_event" });
    expect(diagnoseFrame('{"type":"a\\u0062"}')).toEqual({ type: "ab" });
  });

  it("measures base64 audio without decoding it", () => {
    const bytes = new Uint8Array(4801);
    const audio = btoa(String.fromCharCode(...bytes));
    expect(base64AudioBytes(`{"type":"input_audio_buffer.append","audio":"${audio}"}`, "audio")).toBe(4801);
    expect(base64AudioBytes(`{"type":"x","delta":"QUI="}`, "delta")).toBe(2);
    expect(base64AudioBytes(`{"type":"x"}`, "delta")).toBe(0);
  });
});

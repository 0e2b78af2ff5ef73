import { describe, expect, it } from "vitest";
import {
  assertOpenAIFineTunable,
  assertServing,
  baseModelOf,
  daysUntil,
  deprecationHeaders,
  openaiShutdownDate,
} from "./lifecycle";

const at = (iso: string) => Date.parse(iso);

describe("model lifecycle", () => {
  it("gives fine-tuned models their base model's shutdown date", () => {
    expect(baseModelOf("ft:gpt-4o-mini-2024-07-18:org:x:abc")).toBe("gpt-4o-mini-2024-07-18");
    expect(openaiShutdownDate("ft:gpt-4o-mini-2024-07-18:org:x:abc")).toBe("2027-01-14");
    expect(openaiShutdownDate("gpt-4o-mini")).toBeNull();
  });

  it("counts whole days to a shutdown and stops at its first instant", () => {
    expect(daysUntil("2027-01-14", at("2027-01-13T23:59:59Z"))).toBe(0);
    expect(daysUntil("2027-01-14", at("2027-01-14T00:00:00Z"))).toBeNull();
    expect(daysUntil("2027-01-14", at("2026-11-15T00:00:00Z"))).toBe(60);
  });

  it("warns only inside the 60 days before a shutdown", () => {
    expect(deprecationHeaders("gpt-4.1", "2027-01-14", at("2026-11-15T00:00:00Z"))).toEqual({});
    const warned = deprecationHeaders("gpt-4.1", "2027-01-14", at("2026-11-15T00:00:01Z"));
    expect(warned.sunset).toBe("Thu, 14 Jan 2027 00:00:00 GMT");
    expect(warned["x-edgegate-warning"]).toContain("in 59 days");
  });

  it("refuses inference from the shutdown date on, naming it", () => {
    expect(() => assertServing("gpt-4.1", "2027-01-14", at("2027-01-14T00:00:00Z"))).toThrow(/2027-01-14/);
    expect(assertServing("gpt-4.1", null, at("2030-01-01T00:00:00Z"))).toEqual({});
  });

  it("refuses OpenAI fine-tuning from the cutoff, and base models past shutdown before it", () => {
    expect(() => assertOpenAIFineTunable("gpt-4.1-nano", at("2027-01-06T00:00:00Z"))).toThrow(/2027-01-06/);
    expect(() => assertOpenAIFineTunable("o4-mini", at("2026-12-01T00:00:00Z"))).toThrow(/2026-10-23/);
    expect(assertOpenAIFineTunable("gpt-4.1-nano", at("2027-01-05T23:59:59Z"))).toEqual({});
  });
});

describe("model families", () => {
  it("gives a family's dated snapshots its date, but not a newer family sharing the prefix", () => {
    expect(openaiShutdownDate("gpt-realtime")).toBe("2027-01-20");
    expect(openaiShutdownDate("gpt-realtime-2025-08-28")).toBe("2027-01-20");
    expect(openaiShutdownDate("gpt-4o-realtime-preview-2024-12-17")).toBe("2027-01-20");
    expect(openaiShutdownDate("gpt-4o-mini-tts-2025-03-20")).toBe("2027-01-06");
    expect(openaiShutdownDate("whisper-1")).toBe("2027-02-26");
    expect(openaiShutdownDate("gpt-realtime-2")).toBeNull();
    expect(openaiShutdownDate("gpt-realtime-2.1-mini")).toBeNull();
  });
});

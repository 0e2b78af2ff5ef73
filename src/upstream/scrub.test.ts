import { describe, expect, it } from "vitest";
import { scrubErrorBody } from "./scrub";

describe("provider error scrubbing", () => {
  it("removes organization ids from a real 429 and keeps the rest of the message", () => {
    const body = {
      error: {
        message:
          "Rate limit reached for gpt-4o in organization org-AbCdEf0123456789XyZ on tokens per min (TPM): Limit 30000, Used 29000, Requested 1500. Please try again in 1.2s.",
        type: "tokens",
        param: null,
        code: "rate_limit_exceeded",
      },
    };
    const out = JSON.parse(scrubErrorBody(JSON.stringify(body)));
    expect(out).toEqual({
      error: {
        ...body.error,
        message:
          "Rate limit reached for gpt-4o in organization [redacted] on tokens per min (TPM): Limit 30000, Used 29000, Requested 1500. Please try again in 1.2s.",
      },
    });
  });

  it("removes project ids in both spellings and organization/project fields at any depth", () => {
    const body = {
      error: {
        message: "Project proj_AbCdEf0123456789 and proj-ZyXwVu9876543210abcdEF are over quota.",
        type: "insufficient_quota",
        param: null,
        code: "insufficient_quota",
        organization: "org-AbCdEf0123456789",
        details: { project: "proj_AbCdEf0123456789", project_id: "x", organization_id: "y", kept: "z" },
      },
    };
    const out = scrubErrorBody(JSON.stringify(body));
    expect(out).not.toMatch(/org-|proj[-_]|organization"|project/);
    expect(JSON.parse(out)).toEqual({
      error: {
        message: "Project [redacted] and [redacted] are over quota.",
        type: "insufficient_quota",
        param: null,
        code: "insufficient_quota",
        details: { kept: "z" },
      },
    });
  });

  it("scrubs a body that is not JSON as text, and leaves ordinary words alone", () => {
    expect(scrubErrorBody("<html>org-AbCdEf0123456789 overloaded</html>")).toBe(
      "<html>[redacted] overloaded</html>",
    );
    const plain =
      '{"error":{"message":"The organization must verify; org-wide limits apply to ft:gpt-4o:acme-org-production::x.","type":"x","param":null,"code":null}}';
    expect(scrubErrorBody(plain)).toBe(plain);
  });
});

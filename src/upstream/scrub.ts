/**
 * The provider's error bodies name the operator's account: a real 429 reads "Rate limit reached for
 * gpt-4o in organization org-… on tokens per min", and some bodies carry project ids or
 * `organization`/`project` fields. Tenants share that account, so those ids are removed before an
 * error reaches them; status, type, code and the rest of the message are kept.
 * @see https://platform.openai.com/docs/guides/rate-limits
 */
import { mapStrings } from "../platform/json";

/**
 * `org-…` organization ids and `proj_…`/`proj-…` project ids as the provider writes them (24
 * characters after the prefix; 16 or more here, so words such as `org-wide` are left alone).
 */
const ACCOUNT_ID = /\b(?:org|proj)[-_][A-Za-z0-9]{16,}\b/g;
/** Fields that name the operator's account wherever they appear in an error body. */
const ACCOUNT_FIELDS = new Set(["organization", "organization_id", "project", "project_id"]);

export const REDACTED = "[redacted]";

export function scrubText(text: string): string {
  return text.replace(ACCOUNT_ID, REDACTED);
}

const scrubValue = (value: unknown) =>
  mapStrings(value, scrubText, (key) => (ACCOUNT_FIELDS.has(key) ? "drop" : "map"));

/** An error body without the operator's organization and project ids (JSON stays JSON). */
export function scrubErrorBody(text: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return scrubText(text);
  }
  return JSON.stringify(scrubValue(parsed));
}

/** The provider's error response with its body scrubbed; status and headers are kept. */
export async function scrubErrorResponse(res: Response): Promise<Response> {
  const body = scrubErrorBody(await res.text());
  const headers = new Headers(res.headers);
  headers.delete("content-length");
  headers.delete("content-encoding");
  headers.delete("openai-organization");
  headers.delete("openai-project");
  return new Response(body, { status: res.status, statusText: res.statusText, headers });
}

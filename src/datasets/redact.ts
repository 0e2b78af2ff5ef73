/** PII redaction applied to examples at import: emails, card numbers (Luhn-checked) and phone numbers. */
import { mapStrings } from "../platform/json";

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const CARD_CANDIDATE = /\b\d(?:[ -]?\d){12,18}\b/g;
const PHONE = /(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)|\d{2,4})[\s.-]?\d{3,4}[\s.-]?\d{3,4}\b/g;

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** The text with emails, card numbers and phone numbers replaced by `[EMAIL]`, `[CARD]`, `[PHONE]`. */
export function redactText(text: string): string {
  return text
    .replace(EMAIL, "[EMAIL]")
    .replace(CARD_CANDIDATE, (m) => (luhn(m.replace(/\D/g, "")) ? "[CARD]" : m))
    .replace(PHONE, (m) => (m.replace(/\D/g, "").length >= 7 ? "[PHONE]" : m));
}

/** URLs (images) and ids are kept: only free text is redacted. */
const KEPT_FIELDS = new Set(["url", "id", "tool_call_id", "type", "role"]);

const redactValue = (value: unknown) =>
  mapStrings(value, redactText, (key) => (KEPT_FIELDS.has(key) ? "keep" : "map"));

/** A copy of a training example with PII redacted in every message. */
export function redactExample<T extends Record<string, unknown>>(example: T): T {
  return { ...example, messages: redactValue(example.messages) } as T;
}

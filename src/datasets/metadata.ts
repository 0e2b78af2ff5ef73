/**
 * OpenAI's `metadata` rules: at most 16 string pairs, keys up to 64 characters, values up to 512.
 * @see docs/openai-reference.md D.1
 */
import { GatewayError } from "../platform/errors";

export const METADATA_MAX_PAIRS = 16;
export const METADATA_MAX_KEY_CHARS = 64;
export const METADATA_MAX_VALUE_CHARS = 512;

export type Metadata = Record<string, string>;

function invalid(message: string, param = "metadata"): GatewayError {
  return new GatewayError(400, message, { param, code: "invalid_metadata" });
}

/** The request's metadata as a string map; `null`/absent is empty. Throws a 400 naming `metadata`. */
export function parseMetadata(value: unknown): Metadata {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw invalid("Invalid 'metadata': expected an object of string keys and string values.");
  }
  const entries = Object.entries(value);
  if (entries.length > METADATA_MAX_PAIRS) {
    throw invalid(
      `Invalid 'metadata': at most ${METADATA_MAX_PAIRS} key-value pairs are allowed, got ${entries.length}.`,
    );
  }
  for (const [key, v] of entries) {
    if (key.length > METADATA_MAX_KEY_CHARS) {
      throw invalid(
        `Invalid 'metadata': key '${key.slice(0, 20)}…' is longer than ${METADATA_MAX_KEY_CHARS} characters.`,
      );
    }
    if (typeof v !== "string") {
      throw invalid(`Invalid 'metadata.${key}': values must be strings.`, `metadata.${key}`);
    }
    if (v.length > METADATA_MAX_VALUE_CHARS) {
      throw invalid(
        `Invalid 'metadata.${key}': values are limited to ${METADATA_MAX_VALUE_CHARS} characters, got ${v.length}.`,
        `metadata.${key}`,
      );
    }
  }
  return Object.fromEntries(entries) as Metadata;
}

/** `metadata[k]=v` query parameters of a list request. */
export function metadataQuery(url: string): Metadata {
  const out: Metadata = {};
  for (const [name, value] of new URL(url).searchParams) {
    const match = /^metadata\[(.+)\]$/.exec(name);
    if (match?.[1]) out[match[1]] = value;
  }
  return out;
}

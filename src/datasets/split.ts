/** Content identity and the deterministic train/validation split of dataset examples. */
import { sha256Hex } from "../identity/crypto";

export type Split = "train" | "validation";

/** JSON with object keys sorted, so equal content always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export function contentHash(example: unknown): Promise<string> {
  return sha256Hex(canonicalJson(example));
}

/** `validation` for the share `ratio` of hashes (the first 32 bits read as a fraction), else `train`. */
export function splitOf(hash: string, ratio: number): Split {
  const fraction = Number.parseInt(hash.slice(0, 8), 16) / 2 ** 32;
  return fraction < ratio ? "validation" : "train";
}

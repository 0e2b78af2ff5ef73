/**
 * JSON as the gateway reads it: one value type, small readers for fields of unknown shape, and the
 * parse of a stored JSON column (repositories hand routes parsed objects, never column text).
 */

/** A JSON value: what `JSON.parse` gives and `JSON.stringify` takes. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object whose fields are still to be read (with {@link asObject}, {@link asString}, …). */
export type JsonObject = Record<string, unknown>;

/** `value` when it is a JSON object (not an array, not null), else undefined. */
export function asObject(value: unknown): JsonObject | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as JsonObject)
    : undefined;
}

/** `value` when it is a string, else undefined. */
export function asString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** `value` when it is an array, else undefined. */
export function asArray(value: unknown): unknown[] | undefined {
  return Array.isArray(value) ? value : undefined;
}

/**
 * A JSON column as the type the repository wrote into it (the gateway wrote the text, so its shape
 * is known); a null column stays null.
 */
export function parseColumn<T>(text: string): T;
export function parseColumn<T>(text: string | null): T | null;
export function parseColumn<T>(text: string | null): T | null {
  return text === null || text === "" ? null : (JSON.parse(text) as T);
}

/**
 * A copy of a JSON value with every string replaced by `text(s)`, in arrays and objects at any depth.
 * `field(key)` decides an object's fields: `"map"` (the default) maps them the same way, `"keep"`
 * copies them as they are, `"drop"` leaves them out.
 */
export function mapStrings(
  value: unknown,
  text: (s: string) => string,
  field: (key: string) => "map" | "keep" | "drop" = () => "map",
): unknown {
  if (typeof value === "string") return text(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, text, field));
  const object = asObject(value);
  if (!object) return value;
  const out: JsonObject = {};
  for (const [key, v] of Object.entries(object)) {
    const how = field(key);
    if (how !== "drop") out[key] = how === "keep" ? v : mapStrings(v, text, field);
  }
  return out;
}

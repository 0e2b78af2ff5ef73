/**
 * OpenAI-shaped errors (`{error:{message,type,param,code}}`, all four keys always present) and the
 * request-field checks that produce them, worded like the provider's own messages.
 * @see https://platform.openai.com/docs/guides/error-codes
 */

export type JsonObject = Record<string, unknown>;

export class SimError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string = "invalid_request_error",
    readonly param: string | null = null,
    readonly code: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toBody(): { error: { message: string; type: string; param: string | null; code: string | null } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "number") return Number.isInteger(value) ? "an integer" : "a decimal";
  if (typeof value === "boolean") return "a boolean";
  return `a ${typeof value}`;
}

function paramPath(prefix: string, key: string): string {
  return prefix ? `${prefix}.${key}` : key;
}

export function missing(param: string): SimError {
  return new SimError(
    400,
    `Missing required parameter: '${param}'.`,
    undefined,
    param,
    "missing_required_parameter",
  );
}

export function invalidType(param: string, expected: string, value: unknown): SimError {
  const message = `Invalid type for '${param}': expected ${expected}, but got ${describe(value)} instead.`;
  return new SimError(400, message, undefined, param, "invalid_type");
}

export function invalidValue(param: string, value: unknown, supported?: readonly string[]): SimError {
  const list = supported ? ` Supported values are: ${supported.map((s) => `'${s}'`).join(", ")}.` : "";
  return new SimError(400, `Invalid value: '${String(value)}'.${list}`, undefined, param, "invalid_value");
}

export function badRequest(
  message: string,
  param: string | null = null,
  code: string | null = null,
): SimError {
  return new SimError(400, message, undefined, param, code);
}

export function notFound(message: string, param: string | null = null, code: string | null = null): SimError {
  return new SimError(404, message, undefined, param, code);
}

export function modelNotFound(model: string): SimError {
  const message = `The model \`${model}\` does not exist or you do not have access to it.`;
  return new SimError(404, message, undefined, null, "model_not_found");
}

export function requireString(body: JsonObject, key: string, prefix = ""): string {
  const value = body[key];
  const param = paramPath(prefix, key);
  if (value === undefined || value === null) throw missing(param);
  if (typeof value !== "string") throw invalidType(param, "a string", value);
  return value;
}

export function optionalString(body: JsonObject, key: string, prefix = ""): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw invalidType(paramPath(prefix, key), "a string", value);
  return value;
}

export function optionalBoolean(body: JsonObject, key: string, prefix = ""): boolean | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") throw invalidType(paramPath(prefix, key), "a boolean", value);
  return value;
}

export function optionalObject(body: JsonObject, key: string, prefix = ""): JsonObject | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw invalidType(paramPath(prefix, key), "an object", value);
  return value;
}

interface Range {
  min?: number;
  max?: number;
  /** Whether `min` itself is excluded (e.g. `learning_rate_multiplier > 0`). */
  exclusiveMin?: boolean;
}

/** A number (or an integer with `integer: true`) within `range`, with OpenAI's range messages. */
export function optionalNumber(
  body: JsonObject,
  key: string,
  range: Range & { integer?: boolean } = {},
  prefix = "",
): number | undefined {
  const value = body[key];
  const param = paramPath(prefix, key);
  if (value === undefined || value === null) return undefined;
  const kind = range.integer ? "integer" : "decimal";
  if (typeof value !== "number" || !Number.isFinite(value) || (range.integer && !Number.isInteger(value))) {
    throw invalidType(param, range.integer ? "an integer" : "a number", value);
  }
  const { min, max } = range;
  if (min !== undefined && (value < min || (range.exclusiveMin && value === min))) {
    const bound = range.exclusiveMin ? `> ${min}` : `>= ${min}`;
    const message = `Invalid '${param}': ${kind} below minimum value. Expected a value ${bound}, but got ${value} instead.`;
    throw new SimError(400, message, undefined, param, `${kind}_below_min_value`);
  }
  if (max !== undefined && value > max) {
    const message = `Invalid '${param}': ${kind} above maximum value. Expected a value <= ${max}, but got ${value} instead.`;
    throw new SimError(400, message, undefined, param, `${kind}_above_max_value`);
  }
  return value;
}

export function optionalEnum<T extends string>(
  body: JsonObject,
  key: string,
  values: readonly T[],
  prefix = "",
): T | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  const param = paramPath(prefix, key);
  if (typeof value !== "string") throw invalidType(param, "a string", value);
  if (!(values as readonly string[]).includes(value)) throw invalidValue(param, value, values);
  return value as T;
}

/** `metadata`: at most 16 string pairs, keys ≤ 64 and values ≤ 512 characters. */
export function optionalMetadata(body: JsonObject, key = "metadata"): Record<string, string> | undefined {
  const value = optionalObject(body, key);
  if (!value) return undefined;
  const entries = Object.entries(value);
  if (entries.length > 16) {
    throw badRequest(
      `Invalid '${key}': too many properties. Expected an object with at most 16 properties.`,
      key,
    );
  }
  const out: Record<string, string> = {};
  for (const [k, v] of entries) {
    if (typeof v !== "string") throw invalidType(`${key}.${k}`, "a string", v);
    if (k.length > 64) throw badRequest(`Invalid '${key}': key '${k}' is longer than 64 characters.`, key);
    if (v.length > 512)
      throw badRequest(`Invalid '${key}.${k}': string too long. Expected at most 512.`, key);
    out[k] = v;
  }
  return out;
}

/** OpenAI rejects request fields it does not know, which catches a proxy leaking its own fields upstream. */
export function rejectUnknownFields(body: JsonObject, known: ReadonlySet<string>): void {
  for (const key of Object.keys(body)) {
    if (!known.has(key)) throw badRequest(`Unrecognized request argument supplied: ${key}`);
  }
}

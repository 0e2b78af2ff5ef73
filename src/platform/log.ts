import type { Bindings } from "./env";

export type LogLevel = "debug" | "info" | "warn" | "error";
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function threshold(env: Pick<Bindings, "LOG_LEVEL">): number {
  const level = env.LOG_LEVEL as LogLevel | undefined;
  return ORDER[level ?? "info"] ?? ORDER.info;
}

export function logEnabled(env: Pick<Bindings, "LOG_LEVEL">, level: LogLevel): boolean {
  return ORDER[level] >= threshold(env);
}

/** Writes one structured JSON log line (Workers Logs indexes JSON fields). */
export function log(
  env: Pick<Bindings, "LOG_LEVEL">,
  level: LogLevel,
  message: string,
  fields: Record<string, unknown> = {},
): void {
  if (!logEnabled(env, level)) return;
  const line = JSON.stringify({ level, message, time: new Date().toISOString(), ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

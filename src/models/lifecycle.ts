/**
 * Model lifecycle: when a model shuts down, and what the gateway does about it. Dates come from
 * {@link OPENAI_SHUTDOWNS} for models served by OpenAI's API (the gateway's upstream), and from a
 * tenant provider's own `/v1/models` `shutdown_date` for its models (src/providers/model-list.ts).
 * From its shutdown date (00:00 UTC) a model is refused; in the {@link WARN_DAYS} days before it,
 * answers carry a warning. docs/providers.md ("Model lifecycle").
 * @see docs/openai-reference.md section G
 */
import { GatewayError } from "../platform/errors";

/**
 * OpenAI's announced shutdown dates (`YYYY-MM-DD`) of the text models the gateway relays and
 * fine-tunes, from its deprecations page (docs/openai-reference.md section G). Fine-tuned models
 * (`ft:<base>:…`) share their base model's date. Extend it when OpenAI announces more.
 */
export const OPENAI_SHUTDOWNS: Readonly<Record<string, string>> = {
  "o4-mini": "2026-10-23",
  "o4-mini-2025-04-16": "2026-10-23",
  "gpt-5": "2026-12-11",
  "gpt-5-2025-08-07": "2026-12-11",
  "gpt-5-mini": "2026-12-11",
  "gpt-5-mini-2025-08-07": "2026-12-11",
  "gpt-5-nano": "2026-12-11",
  "gpt-5-nano-2025-08-07": "2026-12-11",
  "gpt-4o-2024-08-06": "2027-01-14",
  "gpt-4o-2024-11-20": "2027-01-14",
  "gpt-4o-mini-2024-07-18": "2027-01-14",
  "gpt-4.1": "2027-01-14",
  "gpt-4.1-2025-04-14": "2027-01-14",
  "gpt-4.1-mini": "2027-01-14",
  "gpt-4.1-mini-2025-04-14": "2027-01-14",
};

/**
 * Model families OpenAI shuts down together (docs/openai-reference.md section G, Realtime and voice):
 * the family name and its dated snapshots (`gpt-realtime-2025-08-28`), but not a newer family that
 * merely shares the prefix (`gpt-realtime-2`, `gpt-realtime-2.1`).
 */
export const OPENAI_FAMILY_SHUTDOWNS: Readonly<Record<string, string>> = {
  "gpt-realtime": "2027-01-20",
  "gpt-realtime-mini": "2027-01-20",
  "gpt-4o-realtime-preview": "2027-01-20",
  "gpt-audio": "2027-01-20",
  "gpt-audio-mini": "2027-01-20",
  "gpt-4o-audio-preview": "2027-01-20",
  "tts-1": "2027-01-06",
  "tts-1-hd": "2027-01-06",
  "gpt-4o-mini-tts": "2027-01-06",
  "whisper-1": "2027-02-26",
  "gpt-4o-transcribe": "2027-02-26",
  "gpt-4o-mini-transcribe": "2027-02-26",
  "gpt-4o-transcribe-diarize": "2027-02-26",
};

/** A dated snapshot's family: `gpt-realtime-2025-08-28` → `gpt-realtime`. */
const SNAPSHOT = /^(.+)-\d{4}-\d{2}-\d{2}$/;

/** OpenAI's self-serve fine-tuning takes no new jobs from this day on (00:00 UTC). */
export const OPENAI_FINE_TUNING_CUTOFF = "2027-01-06";

/** How many days before its shutdown a model's answers carry a warning. */
export const WARN_DAYS = 60;

const DAY_MS = 86_400_000;
const startOf = (date: string) => Date.parse(`${date}T00:00:00Z`);

/** The base model of a fine-tuned model (`ft:gpt-4o-mini-2024-07-18:org:x:id` → `gpt-4o-mini-2024-07-18`). */
export function baseModelOf(model: string): string {
  return model.startsWith("ft:") ? (model.split(":")[1] ?? model) : model;
}

/** OpenAI's shutdown date of `model` (its base's for a fine-tune), or null. */
export function openaiShutdownDate(model: string): string | null {
  const base = baseModelOf(model);
  const exact = OPENAI_SHUTDOWNS[base] ?? OPENAI_FAMILY_SHUTDOWNS[base];
  if (exact) return exact;
  const family = SNAPSHOT.exec(base)?.[1];
  return family ? (OPENAI_FAMILY_SHUTDOWNS[family] ?? null) : null;
}

/** Whether `date` (`YYYY-MM-DD`) has begun at `now`. */
export const isPast = (date: string, now: number): boolean => now >= startOf(date);

/** Whole days from `now` until `date` begins (0 on the eve), or null once it has begun. */
export function daysUntil(date: string, now: number): number | null {
  const start = startOf(date);
  return now >= start ? null : Math.floor((start - now) / DAY_MS);
}

/**
 * Response headers announcing a shutdown within {@link WARN_DAYS} days: `Sunset` (RFC 8594, an
 * HTTP date) and `x-edgegate-warning` (a sentence); none otherwise.
 */
export function deprecationHeaders(model: string, date: string | null, now: number): Record<string, string> {
  if (!date) return {};
  const days = daysUntil(date, now);
  if (days === null || days >= WARN_DAYS) return {};
  return {
    sunset: new Date(startOf(date)).toUTCString(),
    "x-edgegate-warning": `The model '${model}' is deprecated and shuts down on ${date} (in ${days} day${days === 1 ? "" : "s"}); move to another model before then.`,
  };
}

/** 404 `model_not_found` for a model past its shutdown date, naming the date. */
export function modelShutDown(model: string, date: string, param: string | null = null): GatewayError {
  return new GatewayError(
    404,
    `The model \`${model}\` was shut down on ${date} and no longer serves requests. Choose another model.`,
    { code: "model_not_found", param },
  );
}

/** Refuses a model past its shutdown date (inference); returns the warning headers otherwise. */
export function assertServing(
  model: string,
  date: string | null,
  now: number,
  param = "model",
): Record<string, string> {
  if (date && isPast(date, now)) throw modelShutDown(model, date, param);
  return deprecationHeaders(model, date, now);
}

/**
 * Refuses a fine-tuning job (400) OpenAI's API would no longer take: any job from the cutoff on
 * (`fine_tuning_unavailable`), or a base model past its shutdown date (`model_shut_down`).
 */
export function assertOpenAIFineTunable(
  baseModel: string,
  now: number,
  param = "model",
): Record<string, string> {
  if (isPast(OPENAI_FINE_TUNING_CUTOFF, now)) {
    throw new GatewayError(
      400,
      `OpenAI's self-serve fine-tuning takes no new jobs since ${OPENAI_FINE_TUNING_CUTOFF}. Train with the external trainer (POST /v1/datasets/{dataset_id}/jobs, "trainer": "external") or on another fine-tuning API (settings.distillation.fine_tuning.base_url) instead.`,
      { param, code: "fine_tuning_unavailable" },
    );
  }
  const date = openaiShutdownDate(baseModel);
  if (date && isPast(date, now)) {
    throw new GatewayError(
      400,
      `The base model '${baseModel}' was shut down on ${date} and can no longer be fine-tuned. Choose another base model.`,
      { param, code: "model_shut_down" },
    );
  }
  return deprecationHeaders(baseModel, date, now);
}

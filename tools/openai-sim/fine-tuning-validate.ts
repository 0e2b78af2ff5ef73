/**
 * Asynchronous validation of fine-tuning files, as the provider does it while a job is in
 * `validating_files`: every line JSON, the right shape for the method, images only in user messages
 * (and only for vision-capable models), at least 10 examples. Errors name the offending line.
 * @see docs/openai-reference.md D.4, D.5 and E
 */
import { parseChatMessages } from "./chat-messages";
import { isObject, SimError } from "./errors";
import { conversationKey, type SimMessage, type SimToolCall } from "./generate";
import { countTokens } from "./text";

export const MIN_EXAMPLES = 10;
const MAX_IMAGES_PER_EXAMPLE = 10;
const VISION_MODELS: ReadonlySet<string> = new Set(["gpt-4o-2024-08-06"]);
const LEGACY_MODELS: ReadonlySet<string> = new Set(["babbage-002", "davinci-002"]);

export type MethodType = "supervised" | "dpo" | "reinforcement";

export interface LearnedAnswer {
  content: string | null;
  toolCalls: SimToolCall[];
}

export interface ValidatedFile {
  examples: number;
  tokens: number;
  /** Prompt (conversation key) → the answer the fine-tuned model will reproduce. */
  answers: Map<string, LearnedAnswer>;
}

export class TrainingFileError extends Error {}

function fail(line: number, message: string): never {
  throw new TrainingFileError(`Invalid file format. Line ${line}: ${message}`);
}

function messagesOf(value: unknown, line: number, param: string): SimMessage[] {
  try {
    return parseChatMessages(value, param);
  } catch (error) {
    if (error instanceof SimError) fail(line, error.message);
    throw error;
  }
}

function checkImages(messages: readonly SimMessage[], line: number, model: string): void {
  let images = 0;
  for (const message of messages) {
    if (message.images.length === 0) continue;
    if (message.role !== "user")
      fail(line, `images are only allowed in user messages, found one in a ${message.role} message.`);
    if (!VISION_MODELS.has(model)) fail(line, `images are not supported for fine-tuning ${model}.`);
    images += message.images.length;
  }
  if (images > MAX_IMAGES_PER_EXAMPLE) {
    fail(
      line,
      `example has ${images} images, but at most ${MAX_IMAGES_PER_EXAMPLE} are allowed per example.`,
    );
  }
}

function learn(answers: Map<string, LearnedAnswer>, prompt: SimMessage[], answer: SimMessage): void {
  if (answers.size >= 5_000) return;
  answers.set(conversationKey(prompt), {
    content: answer.toolCalls ? null : answer.text,
    toolCalls: answer.toolCalls ?? [],
  });
}

function supervisedLine(row: Record<string, unknown>, line: number, model: string, out: ValidatedFile): void {
  if (!("messages" in row)) fail(line, `missing required key "messages".`);
  const messages = messagesOf(row.messages, line, "messages");
  const lastAssistant = messages.findLastIndex((m) => m.role === "assistant");
  if (lastAssistant === -1) fail(line, "example must contain at least one message with role 'assistant'.");
  checkImages(messages, line, model);
  const answer = messages[lastAssistant];
  if (answer) learn(out.answers, messages.slice(0, lastAssistant), answer);
  out.tokens += messages.reduce((sum, m) => sum + countTokens(m.text) + 4, 0);
}

function dpoOutput(row: Record<string, unknown>, names: readonly string[], line: number): SimMessage {
  const key = names.find((name) => name in row);
  if (!key) fail(line, `missing required key "${names[0]}".`);
  const value = row[key];
  if (!Array.isArray(value) || value.length !== 1)
    fail(line, `"${key}" must be an array with exactly one assistant message.`);
  const [message] = messagesOf(value, line, key);
  if (message?.role !== "assistant") fail(line, `"${key}" must contain a message with role 'assistant'.`);
  if (message.images.length > 0) fail(line, "DPO examples must be text only.");
  return message;
}

function dpoLine(row: Record<string, unknown>, line: number, out: ValidatedFile): void {
  const input = row.input;
  if (!isObject(input)) fail(line, `missing required key "input" (an object with "messages").`);
  const messages = messagesOf(input.messages, line, "input.messages");
  if (messages.some((m) => m.images.length > 0)) fail(line, "DPO examples must be text only.");
  const preferred = dpoOutput(row, ["preferred_output", "preferred_completion"], line);
  const rejected = dpoOutput(row, ["non_preferred_output", "non_preferred_completion"], line);
  learn(out.answers, messages, preferred);
  out.tokens += messages.reduce((sum, m) => sum + countTokens(m.text) + 4, 0);
  out.tokens += countTokens(preferred.text) + countTokens(rejected.text);
}

function reinforcementLine(row: Record<string, unknown>, line: number, out: ValidatedFile): void {
  const messages = messagesOf(row.messages, line, "messages");
  if (!messages.some((m) => m.role === "user"))
    fail(line, "example must contain at least one message with role 'user'.");
  out.tokens += messages.reduce((sum, m) => sum + countTokens(m.text) + 4, 0);
}

function legacyLine(row: Record<string, unknown>, line: number, out: ValidatedFile): void {
  if (typeof row.prompt !== "string" || typeof row.completion !== "string") {
    fail(line, `each example must have string "prompt" and "completion" keys.`);
  }
  out.tokens += countTokens(row.prompt) + countTokens(row.completion);
}

/** Validates a JSONL training (or validation) file; throws `TrainingFileError` naming the line. */
export function validateTrainingFile(
  content: Buffer,
  method: MethodType,
  model: string,
  minExamples = MIN_EXAMPLES,
): ValidatedFile {
  const out: ValidatedFile = { examples: 0, tokens: 0, answers: new Map() };
  const lines = content.toString("utf8").split(/\r?\n/);
  lines.forEach((text, index) => {
    const line = index + 1;
    if (text.trim() === "") return;
    let row: unknown;
    try {
      row = JSON.parse(text);
    } catch {
      fail(line, "is not valid JSON.");
    }
    if (!isObject(row)) fail(line, "each line must be a JSON object.");
    if (LEGACY_MODELS.has(model)) legacyLine(row, line, out);
    else if (method === "dpo") dpoLine(row, line, out);
    else if (method === "reinforcement") reinforcementLine(row, line, out);
    else supervisedLine(row, line, model, out);
    out.examples++;
  });
  if (out.examples < minExamples) {
    throw new TrainingFileError(
      `Training file has ${out.examples} example(s), but must have at least ${minExamples} examples`,
    );
  }
  return out;
}

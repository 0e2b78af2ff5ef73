/**
 * Simulated responses: `response.create` (with GA per-response overrides), the response lifecycle
 * (`response.created` … `response.done` with usage) and `response.cancel`.
 * @see https://platform.openai.com/docs/api-reference/realtime-client-events/response/create
 */
import type { RealtimeAudioFormats, RealtimeToolChoiceConfig } from "openai/resources/realtime/realtime";
import { decideAnswer, type FunctionCallAnswer, type HearAudio } from "./realtime-answer";
import { describeSpeech } from "./realtime-audio";
import type { RealtimeConnection } from "./realtime-connection";
import { type StreamResult, streamFunctionCall, streamMessage } from "./realtime-response-stream";
import type { SimAudioOutput, SimError, SimItem, SimResponse } from "./realtime-types";
import { newId } from "./realtime-types";
import { buildUsage, countInput, rateLimits, type TokenCounts } from "./realtime-usage";

export interface ResponseSettings {
  modalities: Array<"text" | "audio">;
  instructions: string;
  tools: readonly unknown[];
  toolChoice: RealtimeToolChoiceConfig;
  maxOutputTokens: number | "inf";
  /** False for `conversation: "none"` (out-of-band): nothing is added to the conversation. */
  inConversation: boolean;
  metadata: Record<string, string> | null;
  /** `response.input`: the context to use instead of the conversation. */
  context: SimItem[] | null;
  voice: SimAudioOutput["voice"];
  format: RealtimeAudioFormats;
}

export type ResponseOverrides = Partial<ResponseSettings>;

type StopReason = "client_cancelled" | "turn_detected";

/** One response in flight; `stopped` once cancelled or once the socket is gone. */
export class ResponseRun {
  readonly id = newId("resp");
  private reason: StopReason | null = null;

  constructor(private readonly conn: RealtimeConnection) {}

  get stopped(): boolean {
    return this.reason !== null || !this.conn.isOpen;
  }

  get cancelReason(): StopReason | null {
    return this.reason;
  }

  cancel(reason: StopReason): void {
    this.reason ??= reason;
  }
}

function resolveSettings(conn: RealtimeConnection, overrides: ResponseOverrides): ResponseSettings {
  const session = conn.session;
  return {
    modalities: session.output_modalities,
    instructions: session.instructions,
    tools: session.tools,
    toolChoice: session.tool_choice,
    maxOutputTokens: session.max_output_tokens,
    inConversation: true,
    metadata: null,
    context: null,
    voice: session.audio.output.voice,
    format: session.audio.output.format,
    ...overrides,
  };
}

/** What the model "hears" in user audio without a transcript: the simulator's stand-in text. */
function hearer(conn: RealtimeConnection): HearAudio {
  return (itemId) => {
    const pcm = conn.conversation.audioOf(itemId)?.pcm;
    return pcm ? describeSpeech(pcm) : "";
  };
}

function responseObject(conn: RealtimeConnection, run: ResponseRun, settings: ResponseSettings): SimResponse {
  return {
    id: run.id,
    object: "realtime.response",
    status: "in_progress",
    status_details: null,
    output: [],
    conversation_id: settings.inConversation ? conn.conversation.id : undefined,
    output_modalities: settings.modalities,
    max_output_tokens: settings.maxOutputTokens,
    audio: {
      output: {
        format: settings.format,
        voice: typeof settings.voice === "string" ? settings.voice : settings.voice.id,
      },
    },
    usage: null,
    metadata: settings.metadata,
  };
}

function finish(response: SimResponse, run: ResponseRun, result: ResponseResult): void {
  response.output = result.items;
  const reason = run.cancelReason;
  if (reason !== null) {
    response.status = "cancelled";
    response.status_details = { type: "cancelled", reason };
  } else if (result.truncated) {
    response.status = "incomplete";
    response.status_details = { type: "incomplete", reason: "max_output_tokens" };
  } else {
    response.status = "completed";
  }
}

/** What all of a response's output items add up to. */
interface ResponseResult {
  items: SimItem[];
  output: TokenCounts;
  truncated: boolean;
}

function outputs(results: StreamResult[]): ResponseResult {
  const output = { text: 0, audio: 0, image: 0 };
  for (const r of results) {
    output.text += r.output.text;
    output.audio += r.output.audio;
    output.image += r.output.image;
  }
  return { items: results.map((r) => r.item), output, truncated: results.some((r) => r.truncated) };
}

/** One or more function calls, each its own output item, one after the other. */
async function streamCalls(
  conn: RealtimeConnection,
  run: ResponseRun,
  settings: ResponseSettings,
  calls: FunctionCallAnswer[],
): Promise<ResponseResult> {
  const results: StreamResult[] = [];
  for (const [index, call] of calls.entries()) {
    if (run.stopped) break;
    results.push(await streamFunctionCall(conn, run, settings, call, index));
  }
  return outputs(results);
}

async function runResponse(
  conn: RealtimeConnection,
  run: ResponseRun,
  settings: ResponseSettings,
): Promise<void> {
  const response = responseObject(conn, run, settings);
  const context = settings.context ?? [...conn.conversation.list()];
  conn.send({ type: "response.created", response });
  const input = countInput(context, conn.conversation, settings.instructions, settings.tools);
  const reserved =
    input.text +
    input.audio +
    input.image +
    (settings.maxOutputTokens === "inf" ? 4096 : settings.maxOutputTokens);
  conn.send({ type: "rate_limits.updated", rate_limits: rateLimits(reserved) });
  const answer = decideAnswer(context, settings.tools, settings.toolChoice, hearer(conn));
  const result =
    answer.kind === "message"
      ? outputs([await streamMessage(conn, run, settings, answer.text)])
      : await streamCalls(conn, run, settings, answer.calls);
  if (!conn.isOpen) return;
  finish(response, run, result);
  response.usage = buildUsage(input, result.output, conn.lastTurnTokens);
  if (settings.inConversation) conn.lastTurnTokens = response.usage.total_tokens ?? 0;
  // Free the slot before `response.done` so a client reacting to it can create the next response.
  if (conn.activeResponse === run) conn.activeResponse = null;
  conn.send({ type: "response.done", response });
}

/** Starts a response now; the caller has checked that none is active. */
export function startResponse(conn: RealtimeConnection, overrides: ResponseOverrides): ResponseRun {
  const run = new ResponseRun(conn);
  conn.activeResponse = run;
  runResponse(conn, run, resolveSettings(conn, overrides))
    .catch(() => {
      conn.error({
        type: "server_error",
        code: "server_error",
        message: "The server had an error while processing your request.",
      });
    })
    .finally(() => {
      if (conn.activeResponse === run) conn.activeResponse = null;
    });
  return run;
}

/** `response.create`: one active response per conversation. */
export function createResponse(conn: RealtimeConnection, overrides: ResponseOverrides): SimError | null {
  const active = conn.activeResponse;
  if (active !== null) {
    const message = `Conversation already has an active response in progress: ${active.id}. Wait until the response is finished before creating a new one.`;
    return { code: "conversation_already_has_active_response", message, param: null };
  }
  if (conn.session.type === "transcription") {
    const message = "Responses are not available in transcription sessions.";
    return { code: "invalid_request_error", message, param: null };
  }
  startResponse(conn, overrides);
  return null;
}

/** `response.cancel`: ends the active response with status `cancelled`. */
export function cancelResponse(conn: RealtimeConnection, responseId: unknown): SimError | null {
  const active = conn.activeResponse;
  if (active === null || (typeof responseId === "string" && responseId !== active.id)) {
    const message = "Cancellation failed: no active response found";
    return { code: "response_cancel_not_active", message, param: null };
  }
  active.cancel("client_cancelled");
  return null;
}

/**
 * Runs one call of a tenant's server-side tool: POSTs `{tenant, user, session_id, call_id, name,
 * arguments}` to the tool's URL signed with Standard Webhooks headers, and turns the answer (or the
 * failure) into the `output` string of a `function_call_output` item for the model.
 * @see https://platform.openai.com/docs/guides/realtime-conversations#function-calling
 */

import { signWebhook } from "../platform/standard-webhooks";
import type { ServerTool } from "./policy";

/** Longest tool answer passed to the model; longer ones are cut (the model sees that they were). */
export const MAX_TOOL_OUTPUT_CHARS = 64 * 1024;

export interface ToolCallPayload {
  tenant: string;
  user: string;
  session_id: string;
  call_id: string;
  name: string;
  /** The arguments exactly as the model produced them: a JSON string, as in OpenAI's events. */
  arguments: string;
}

/** What a call produced: the `output` for the model, and the failure (null when the tool answered). */
export interface ToolCallResult {
  output: string;
  error: string | null;
}

function failure(name: string, message: string): ToolCallResult {
  return { output: JSON.stringify({ error: { tool: name, message } }), error: message };
}

async function readOutput(res: Response, name: string): Promise<ToolCallResult> {
  const text = await res.text();
  if (!res.ok) {
    const detail = text.length > 0 ? `: ${text.slice(0, 500)}` : "";
    return failure(name, `The tool server answered HTTP ${res.status}${detail}`);
  }
  if (text.length <= MAX_TOOL_OUTPUT_CHARS) return { output: text, error: null };
  const cut = `${text.slice(0, MAX_TOOL_OUTPUT_CHARS)}… [cut: the tool answered ${text.length} characters]`;
  return { output: cut, error: null };
}

/** Calls the tool and resolves with the output for the model; never rejects. */
export async function callServerTool(
  tool: ServerTool,
  secret: string | null,
  payload: ToolCallPayload,
): Promise<ToolCallResult> {
  const body = JSON.stringify(payload);
  const id = `msg_${crypto.randomUUID().replaceAll("-", "")}`;
  const signature = secret ? await signWebhook(secret, id, Math.floor(Date.now() / 1000), body) : {};
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), tool.timeoutMs);
  try {
    const res = await fetch(tool.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "Edgegate-Realtime-Tools/1",
        ...signature,
      },
      body,
      signal: controller.signal,
    });
    return await readOutput(res, tool.name);
  } catch (err) {
    if (controller.signal.aborted) {
      return failure(tool.name, `The tool did not answer within ${tool.timeoutMs} ms.`);
    }
    const reason = err instanceof Error ? err.message : String(err);
    return failure(tool.name, `The tool server could not be reached (${reason}).`);
  } finally {
    clearTimeout(timer);
  }
}

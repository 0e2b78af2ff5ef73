/**
 * Runs one call of a tenant's server-side tool: POSTs `{tenant, user, session_id, call_id, name,
 * arguments}` to the tool's URL signed with Standard Webhooks headers, and turns the answer (or the
 * failure) into the `output` string of a `function_call_output` item for the model.
 *
 * The URL goes through the gateway's outbound-URL guard at every call (not only at registration: DNS
 * answers change): its host is resolved and checked, redirects are never followed automatically, and
 * each redirect hop is checked before it is requested. A refused hop is never contacted, so the
 * model's output says why without anything from it.
 * @see https://platform.openai.com/docs/guides/realtime-conversations#function-calling
 */

import { env } from "cloudflare:workers";
import { guardedFetch, type OutboundEnv, outboundPolicy } from "../../platform/outbound-url";
import { signWebhook } from "../../platform/standard-webhooks";
import type { ServerTool } from "../policy/realtime-policy";

/** Longest tool answer passed to the model; longer ones are cut (the model sees that they were). */
export const MAX_TOOL_OUTPUT_CHARS = 64 * 1024;
/** Redirects a tool call follows, each hop checked again by the outbound-URL guard. */
export const MAX_TOOL_REDIRECTS = 3;

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
    // The call runs in the session's Durable Object; the guard's settings are the deployment's variables.
    const fetched = await guardedFetch(tool.url, {
      policy: outboundPolicy(env as OutboundEnv),
      signal: controller.signal,
      maxRedirects: MAX_TOOL_REDIRECTS,
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "Edgegate-Realtime-Tools/1",
        ...signature,
      },
      body,
    });
    if (!fetched.ok) {
      return failure(tool.name, `The gateway refused to call the tool's URL: ${fetched.message}.`);
    }
    return await readOutput(fetched.response, tool.name);
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

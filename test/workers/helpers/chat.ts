import { gw, jsonInit } from "./gateway";

/** POSTs a chat completion straight to the gateway (for header-level assertions). */
export function postChat(
  key: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return gw("/v1/chat/completions", jsonInit("POST", body, { authorization: `Bearer ${key}`, ...headers }));
}

export const ask = (content: string, extra: Record<string, unknown> = {}) => ({
  model: "gpt-4o-mini",
  messages: [{ role: "user", content }],
  ...extra,
});

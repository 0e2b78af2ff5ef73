/**
 * Realtime: the per-user Durable Object relay of OpenAI's Realtime WebSocket protocol, with session
 * policy, server-side tools, reconnect with replay, and usage and transcripts recorded to D1.
 * @see https://platform.openai.com/docs/guides/realtime
 */
export { realtimeAdmin } from "./http/admin";
export { realtime } from "./http/routes";
export type { RealtimePolicy, ServerTool } from "./policy/realtime-policy";
export { type RealtimeSettings, RealtimeSettingsSchema } from "./policy/settings";
export {
  type ChatExample,
  type ChatMessage,
  loadRealtimeChatExample,
  sessionToChatExample,
} from "./records/chat-example";
export { getSessionDetail, listSessions, type SessionDetail } from "./records/sessions-repository";

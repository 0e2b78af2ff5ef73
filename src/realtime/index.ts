/**
 * Realtime: the per-user Durable Object relay of OpenAI's Realtime WebSocket protocol, with session
 * policy, server-side tools, reconnect with replay, and usage and transcripts recorded to D1.
 * @see https://platform.openai.com/docs/guides/realtime
 */
export { realtimeAdmin } from "./admin";
export {
  type ChatExample,
  type ChatMessage,
  loadRealtimeChatExample,
  sessionToChatExample,
} from "./chat-example";
export type { RealtimePolicy, ServerTool } from "./policy";
export { realtime } from "./routes";
export { getSessionDetail, listSessions, type SessionDetail } from "./sessions-repository";
export { type RealtimeSettings, RealtimeSettingsSchema } from "./settings";

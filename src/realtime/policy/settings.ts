import { z } from "@hono/zod-openapi";
import { isConnectorEntry } from "./mcp-servers";

/** An `mcp_servers` entry: an http(s) URL without credentials, query or fragment, or a connector id. */
const McpServerEntry = z
  .string()
  .min(1)
  .max(2048)
  .refine(
    (entry) => {
      if (isConnectorEntry(entry)) return true;
      try {
        const url = new URL(entry);
        return (
          (url.protocol === "https:" || url.protocol === "http:") &&
          url.username === "" &&
          url.password === "" &&
          url.search === "" &&
          url.hash === ""
        );
      } catch {
        return false;
      }
    },
    { message: "an http(s) URL prefix such as 'https://mcp.example.com/' or a 'connector_…' id" },
  );

/** Defaults of the `realtime` settings section, applied when a field is absent. */
export const REALTIME_DEFAULTS = {
  /** The GA maximum session length. @see docs/openai-reference.md A.5 */
  max_session_seconds: 3600,
  max_concurrent_sessions_per_user: 5,
  reconnect_grace_seconds: 30,
  replay_buffer_bytes: 2 * 1024 * 1024,
  /** The longest a minted client secret may be used to start sessions (docs/openai-reference.md A.3). */
  client_secret_ttl_seconds: 600,
} as const;

/** The largest replay buffer a tenant may ask for (it is held in the Durable Object's memory). */
export const MAX_REPLAY_BUFFER_BYTES = 16 * 1024 * 1024;

/**
 * The tenant's Realtime session policy (`settings.realtime`). It applies to sessions started after
 * a change; sessions already running keep the policy they started with.
 */
export const RealtimeSettingsSchema = z
  .strictObject({
    allowed_models: z
      .array(z.string().min(1))
      .nullable()
      .optional()
      .openapi({ description: "Realtime models allowed (on top of the tenant's `allowed_models`)." }),
    allowed_voices: z
      .array(z.string().min(1))
      .min(1)
      .nullable()
      .optional()
      .openapi({ description: "Voices a session may use; the first is the default." }),
    instructions: z.string().min(1).max(32_768).nullable().optional().openapi({
      description:
        "Instructions the tenant enforces: set when a session starts and kept ahead of the client's own instructions in every `session.update` and `response.create`; a client `system` message is then refused (`system_message_not_allowed`).",
    }),
    max_session_seconds: z
      .number()
      .int()
      .min(1)
      .max(86_400)
      .optional()
      .openapi({ description: `Session length limit; default ${REALTIME_DEFAULTS.max_session_seconds}.` }),
    max_concurrent_sessions_per_user: z
      .number()
      .int()
      .min(1)
      .max(100)
      .optional()
      .openapi({
        description: `Sessions one end user may hold at once (detached ones count); default ${REALTIME_DEFAULTS.max_concurrent_sessions_per_user}.`,
      }),
    daily_audio_seconds_per_user: z.number().int().min(1).nullable().optional().openapi({
      description:
        "Audio (in and out, appended or sent in conversation items) one end user may stream per UTC day; none by default.",
    }),
    daily_tokens_per_user: z.number().int().min(1).nullable().optional().openapi({
      description:
        "Tokens (from `response.done` usage and input transcriptions' usage) per end user per UTC day.",
    }),
    reconnect_grace_seconds: z
      .number()
      .int()
      .min(0)
      .max(600)
      .optional()
      .openapi({
        description: `How long a dropped session waits for its client to reattach; default ${REALTIME_DEFAULTS.reconnect_grace_seconds}, 0 ends it at once.`,
      }),
    replay_buffer_bytes: z
      .number()
      .int()
      .min(65_536)
      .max(MAX_REPLAY_BUFFER_BYTES)
      .optional()
      .openapi({
        description: `Server events kept for a detached client; default ${REALTIME_DEFAULTS.replay_buffer_bytes}. A session that overflows it ends. A client that acknowledges events (\`edgegate.ack\`) is disconnected with \`client_too_slow\` once it is more than half of it behind.`,
      }),
    mcp_servers: z.array(McpServerEntry).max(64).nullable().optional().openapi({
      description:
        'MCP servers a client may add as `{"type":"mcp"}` tools (in `session.update`, `response.create`, client secrets and calls): URL prefixes (`https://mcp.example.com/` allows that origin and every path under it) or connector ids (`connector_googledrive`). None by default: client MCP tools are refused with `mcp_server_not_allowed`.',
    }),
    client_secret_ttl_seconds: z
      .number()
      .int()
      .min(10)
      .max(7200)
      .optional()
      .openapi({
        description: `How long a minted client secret can start sessions; a longer \`expires_after\` is cut to it. Default ${REALTIME_DEFAULTS.client_secret_ttl_seconds}.`,
      }),
  })
  .openapi("RealtimeSettings");

export type RealtimeSettings = z.infer<typeof RealtimeSettingsSchema>;

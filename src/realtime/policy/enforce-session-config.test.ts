import { describe, expect, it } from "vitest";
import {
  applyToResponseCreate,
  applyToSessionUpdate,
  applyToTranscriptionSessionUpdate,
  forcePolicy,
  initialSessionUpdate,
} from "./enforce-session-config";
import type { RealtimePolicy } from "./realtime-policy";

const policy = (overrides: Partial<RealtimePolicy> = {}): RealtimePolicy => ({
  tenantId: "ten_1",
  userId: "u",
  keyId: "key_1",
  model: "gpt-realtime",
  allowedModels: null,
  allowedVoices: null,
  instructions: null,
  maxSessionSeconds: 60,
  maxConcurrentSessions: 5,
  dailyAudioSeconds: null,
  dailyTokens: null,
  graceSeconds: 30,
  replayBufferBytes: 1_000_000,
  tools: [],
  mcpServers: [],
  toolSecret: null,
  ...overrides,
});

const tool = {
  name: "lookup",
  description: "d",
  parameters: { type: "object" },
  url: "https://t",
  timeoutMs: 100,
};

describe("session policy", () => {
  it("holds a transcription session's model to the allow-list, and a model session's input transcription to the tenant's", () => {
    const p = policy({ allowedModels: ["gpt-realtime", "gpt-4o-transcribe"] });
    const update = (type: string, model: string) => ({
      type: "session.update",
      session: { type, audio: { input: { transcription: { model } } } },
    });
    expect(applyToSessionUpdate(p, update("transcription", "gpt-4o-transcribe"))).toBeNull();
    expect(applyToSessionUpdate(p, update("transcription", "whisper-1"))).toMatchObject({
      code: "model_not_allowed",
      param: "session.audio.input.transcription.model",
    });
    // `realtime.allowed_models` alone (no tenant-wide list) does not bound the input transcription.
    expect(applyToSessionUpdate(p, update("realtime", "whisper-1"))).toBeNull();
    expect(applyToSessionUpdate(policy(), update("transcription", "whisper-1"))).toBeNull();
    const tenantWide = policy({ inputTranscriptionModels: ["gpt-realtime", "gpt-4o-transcribe"] });
    expect(applyToSessionUpdate(tenantWide, update("realtime", "gpt-4o-transcribe"))).toBeNull();
    expect(applyToSessionUpdate(tenantWide, update("realtime", "gpt-4o-transcribe-diarize"))).toMatchObject({
      code: "model_not_allowed",
      message: expect.stringContaining("input transcription model 'gpt-4o-transcribe-diarize'"),
      param: "session.audio.input.transcription.model",
    });
  });

  it("sends nothing at session start when the tenant sets no policy", () => {
    expect(initialSessionUpdate(policy())).toBeNull();
  });

  it("puts enforced instructions first in session.update and response.create, once", () => {
    const p = policy({ instructions: "Rule." });
    const update = { session: { type: "realtime", instructions: "Mine." } };
    expect(applyToSessionUpdate(p, update)).toBeNull();
    expect(update.session.instructions).toBe("Rule.\n\nMine.");
    expect(applyToSessionUpdate(p, update)).toBeNull();
    expect(update.session.instructions).toBe("Rule.\n\nMine.");
    const create = { response: { instructions: "Short answer." } };
    applyToResponseCreate(p, create);
    expect(create.response.instructions).toBe("Rule.\n\nShort answer.");
  });

  it("merges server tools into client tools; a server tool wins a name clash", () => {
    const p = policy({ tools: [tool] });
    const update = {
      session: {
        type: "realtime",
        tools: [
          { type: "function", name: "lookup" },
          { type: "function", name: "mine" },
        ],
      },
    };
    applyToSessionUpdate(p, update);
    expect(update.session.tools).toEqual([
      { type: "function", name: "mine" },
      { type: "function", name: "lookup", description: "d", parameters: { type: "object" } },
    ]);
    const untouched = { session: { type: "realtime" } };
    applyToSessionUpdate(p, untouched);
    expect(untouched.session).toEqual({ type: "realtime" });
  });

  it("refuses voices outside the allowed list, by name or by id", () => {
    const p = policy({ allowedVoices: ["marin"] });
    expect(
      applyToSessionUpdate(p, { session: { audio: { output: { voice: { id: "voice_x" } } } } })?.code,
    ).toBe("voice_not_allowed");
    expect(applyToResponseCreate(p, { response: { audio: { output: { voice: "alloy" } } } })?.param).toBe(
      "response.audio.output.voice",
    );
    expect(applyToSessionUpdate(p, { session: { audio: { output: { voice: "marin" } } } })).toBeNull();
  });

  it("forces the default voice, instructions and tools into a client secret's session", () => {
    const forced = forcePolicy(policy({ allowedVoices: ["cedar"], instructions: "Rule.", tools: [tool] }), {
      type: "realtime",
      audio: { input: {} },
    });
    expect(forced).toEqual({
      session: {
        type: "realtime",
        instructions: "Rule.",
        audio: { input: {}, output: { voice: "cedar" } },
        tools: [{ type: "function", name: "lookup", description: "d", parameters: { type: "object" } }],
      },
    });
  });

  it("refuses client MCP tools unless the tenant lists their server", () => {
    const mcp = (server: Record<string, unknown>) => ({
      session: {
        type: "realtime",
        tools: [
          { type: "function", name: "f" },
          { type: "mcp", server_label: "s", ...server },
        ],
      },
    });
    const none = applyToSessionUpdate(policy(), mcp({ server_url: "https://mcp.example.com/sse" }));
    expect(none).toMatchObject({ code: "mcp_server_not_allowed", param: "session.tools[1]" });
    expect(none?.message).toContain("realtime.mcp_servers");
    const p = policy({ mcpServers: ["https://mcp.example.com/tenant/", "connector_googledrive"] });
    expect(applyToSessionUpdate(p, mcp({ server_url: "https://mcp.example.com/tenant/sse" }))).toBeNull();
    expect(applyToSessionUpdate(p, mcp({ connector_id: "connector_googledrive" }))).toBeNull();
    for (const refused of [
      { server_url: "https://mcp.example.com/other" },
      { server_url: "https://mcp.example.com@evil.example/tenant/" },
      { server_url: "https://mcp.example.com.evil.example/tenant/" },
      { server_url: "http://mcp.example.com/tenant/" },
      { server_url: "https://user:pw@mcp.example.com/tenant/" },
      { connector_id: "connector_gmail" },
      { connector_id: "https://mcp.example.com/tenant/" },
      { server_url: "https://mcp.example.com/tenant/", connector_id: "connector_googledrive" },
      {},
    ]) {
      expect(applyToSessionUpdate(p, mcp(refused))?.code, JSON.stringify(refused)).toBe(
        "mcp_server_not_allowed",
      );
    }
    expect(
      applyToResponseCreate(p, {
        response: { tools: [{ type: "mcp", server_label: "x", server_url: "https://evil.example/" }] },
      }),
    ).toMatchObject({ code: "mcp_server_not_allowed", param: "response.tools[0]" });
  });

  it("checks a legacy transcription_session.update as a transcription session.update", () => {
    const p = policy({ allowedModels: ["gpt-4o-transcribe"] });
    const event = { session: { audio: { input: { transcription: { model: "whisper-1" } } } } };
    expect(applyToTranscriptionSessionUpdate(p, event)?.code).toBe("model_not_allowed");
  });
});

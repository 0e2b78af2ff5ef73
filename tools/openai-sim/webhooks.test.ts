import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { signWebhook } from "./index";
import { webhookHeaders } from "./webhooks";

const secret = "whsec_c2ltdWxhdG9yLXdlYmhvb2stc2VjcmV0LWtleQ==";
const client = new OpenAI({ apiKey: "unused", baseURL: "http://127.0.0.1:9/v1" });
const body = JSON.stringify({
  object: "event",
  id: "evt_1",
  type: "fine_tuning.job.succeeded",
  created_at: 1,
  data: { id: "ftjob-1" },
});

describe("signWebhook", () => {
  it("produces signatures the openai SDK accepts", async () => {
    const headers = webhookHeaders(secret, "wh_123", body);
    const event = await client.webhooks.unwrap(body, headers, secret);
    expect(event).toMatchObject({ type: "fine_tuning.job.succeeded", data: { id: "ftjob-1" } });
  });

  it("is rejected by the SDK for another secret or a changed body", async () => {
    const headers = webhookHeaders(secret, "wh_123", body);
    await expect(client.webhooks.unwrap(body, headers, "whsec_b3RoZXItc2VjcmV0")).rejects.toThrow();
    await expect(
      client.webhooks.unwrap(body.replace("ftjob-1", "ftjob-2"), headers, secret),
    ).rejects.toThrow();
  });

  it("signs id.timestamp.body with the base64-decoded key (checked with WebCrypto)", async () => {
    const key = await crypto.subtle.importKey(
      "raw",
      Buffer.from(secret.slice("whsec_".length), "base64"),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode("wh_1.1700000000.{}"));
    expect(signWebhook(secret, "wh_1", 1700000000, "{}")).toBe(`v1,${Buffer.from(mac).toString("base64")}`);
    expect(signWebhook(secret, "wh_1", 1700000001, "{}")).not.toBe(
      signWebhook(secret, "wh_1", 1700000000, "{}"),
    );
    expect(signWebhook("plain-secret", "wh_1", 1, "{}")).not.toBe(signWebhook(secret, "wh_1", 1, "{}"));
  });
});

import OpenAI from "openai";

/**
 * The official SDK pointed at a gateway. SDK retries are off so every test sees the gateway's own
 * answer (the gateway retries upstream failures itself).
 */
export function gatewayClient(gatewayUrl: string, apiKey: string): OpenAI {
  return new OpenAI({ baseURL: `${gatewayUrl}/v1`, apiKey, maxRetries: 0, timeout: 20_000 });
}

/** The error an SDK call rejected with, failing the test when it did not reject with an `APIError`. */
export async function apiError(call: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await call;
  } catch (err) {
    if (err instanceof OpenAI.APIError) return err;
    throw err;
  }
  throw new Error("Expected the call to fail with an API error, but it succeeded.");
}

import type { TenantKey } from "./bootstrap";
import type { Gateway } from "./index";

export interface BannerInput {
  gateway: Gateway;
  key: TenantKey;
  tenantName: string;
  /** Where generated secrets are kept, when they were generated. */
  secretsFile?: string;
}

/** What `npm start` prints once the gateway is up: where it is, how to call it, how to stop it. */
export function startBanner({ gateway, key, tenantName, secretsFile }: BannerInput): string {
  const upstream = gateway.simulator
    ? `OpenAI simulator at ${gateway.upstreamBaseUrl} (set OPENAI_BASE_URL to use a real provider)`
    : gateway.upstreamBaseUrl;
  const kept = secretsFile ? `  (kept in ${secretsFile})` : "";
  const api = `${gateway.url}/v1`;
  return [
    "",
    `Edgegate is running at ${gateway.url}`,
    "",
    `  Console       ${gateway.url}/console/  (sign in with the admin token)`,
    `  Docs          ${gateway.url}/docs`,
    `  Upstream      ${upstream}`,
    ...(gateway.simulator
      ? [
          `  Open-weight   ${gateway.simulator.origin}/open-weight/v1  (simulated LoRA host, docs/training.md)`,
        ]
      : []),
    `  Admin token   ${gateway.adminToken}${kept}`,
    `  API key       ${key.apiKey}  (tenant "${tenantName}", ${key.tenantId})`,
    "",
    "Try it:",
    `  curl ${api}/chat/completions -H "Authorization: Bearer ${key.apiKey}" \\`,
    `    -H "Content-Type: application/json" \\`,
    `    -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello!"}]}'`,
    "",
    "Or point any OpenAI SDK at it:",
    `  export OPENAI_BASE_URL=${api} OPENAI_API_KEY=${key.apiKey}`,
    "",
    "Press Ctrl-C to stop.",
    "",
  ].join("\n");
}

import { createServer } from "node:net";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

/** A free loopback port, chosen here so the Worker's bindings can name the simulator before it starts. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const simPort = Number(process.env.EDGEGATE_SIM_PORT) || (await freePort());
process.env.EDGEGATE_SIM_PORT = String(simPort);
/** The vision tests' image server, whose `/dns-query` is the gateway's DNS-over-HTTPS resolver in tests (OUTBOUND_DOH_URL). */
const imagePort = Number(process.env.EDGEGATE_IMAGE_PORT) || (await freePort());
process.env.EDGEGATE_IMAGE_PORT = String(imagePort);
const migrations = await readD1Migrations("./migrations");

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest({
            main: "./src/index.ts",
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                OPENAI_BASE_URL: `http://127.0.0.1:${simPort}/v1`,
                OPENAI_API_KEY: "sk-sim-edgegate",
                ADMIN_TOKEN: "test-admin-token",
                TOKEN_SECRET: "test-token-secret-0123456789abcdef",
                PROVIDER_KEYS_SECRET: "test-provider-keys-secret-0123456789",
                // The day model-lifecycle checks take as today (src/models/clock.ts), so shutdown dates
                // passing in the real world never change what the suite sees.
                EDGEGATE_NOW: "2026-12-01T00:00:00Z",
                OPENAI_WEBHOOK_SECRET: "whsec_c2ltdWxhdG9yLXdlYmhvb2stc2VjcmV0LWtleQ==",
                LOG_LEVEL: "error",
                UPSTREAM_RETRY_BASE_MS: "10",
                UPSTREAM_TIMEOUT_MS: "2000",
                MAX_BODY_BYTES: "1048576",
                STATS_FLUSH_MS: "0",
                OUTBOUND_DOH_URL: `http://127.0.0.1:${imagePort}/dns-query`,
                // Only what existing tests point at on purpose (a closed port; the simulator by another
                // name); every other private host stays refused (test/workers/outbound-url*.test.ts).
                OUTBOUND_ALLOW_PRIVATE_HOSTS: `127.0.0.1:9,localhost:${simPort}`,
                TEST_MIGRATIONS: migrations,
              },
              // Captures are consumed as soon as they are sent (wrangler.toml waits up to 2 s to fill a
              // batch), so tests reading them back wait for the consumer, not for a timer.
              queueConsumers: {
                "edgegate-capture": {
                  maxBatchSize: 100,
                  maxBatchTimeout: 0,
                  maxRetries: 5,
                  deadLetterQueue: "edgegate-capture-dlq",
                },
              },
            },
          }),
        ],
        test: {
          name: "workers",
          // Files run side by side, each in its own workerd (its own KV, D1 and Durable Objects); the
          // one simulator keeps each file's faults, counters and config apart (test/workers/helpers/sim.ts).
          maxWorkers: 2,
          // Projects with different worker counts run one after the other: these files first, then
          // the Node ones (which start whole gateways and must not compete with them for 2 cores).
          sequence: { groupOrder: 1 },
          include: ["test/workers/**/*.test.ts", "src/**/*.test.ts"],
          globalSetup: [
            "./test/helpers-node/sim-global-setup.ts",
            "./test/helpers-node/image-server-global-setup.ts",
          ],
          setupFiles: ["./test/workers/apply-migrations.ts"],
        },
      },
      {
        test: {
          name: "node",
          environment: "node",
          maxWorkers: 2,
          sequence: { groupOrder: 2 },
          include: ["tools/**/*.test.ts", "test/e2e/**/*.test.ts"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});

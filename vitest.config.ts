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

/** The Worker under test as vitest-pool-workers runs it; each workers project gets its own runtime. */
function workerUnderTest() {
  return cloudflareTest({
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
        // Live Realtime sessions re-check their key every 500 ms instead of 5 s, so the revocation
        // tests (test/workers/realtime-revocation.test.ts) wait half a second, not five.
        REALTIME_CREDENTIAL_CHECK_MS: "500",
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
  });
}

/**
 * Workers test files that act on the whole installation rather than on tenants they created: the
 * operator's storage migration and its steps (they move every older row and count what is left),
 * the cron sweeps, and the database's size. They keep a runtime (and so storage) of their own per
 * file; every other file creates its own tenants, keys and Durable Object names and can share one.
 */
const WHOLE_INSTALLATION = [
  "test/workers/storage-migrate.test.ts",
  "test/workers/migrate-bodies.test.ts",
  "test/workers/vision-store.test.ts",
  "test/workers/realtime-archive.test.ts",
  "test/workers/console-traffic.test.ts",
  "test/workers/capture-d1-bytes.test.ts",
  "test/workers/capture-retention.test.ts",
];

const workersTest = {
  // The one simulator keeps each file's faults, counters and config apart (test/workers/helpers/sim.ts).
  globalSetup: [
    "./test/helpers-node/sim-global-setup.ts",
    "./test/helpers-node/image-server-global-setup.ts",
  ],
  setupFiles: ["./test/workers/per-file.ts"],
  // Projects with different worker counts run one after the other: these files first, then the Node
  // ones (which start whole gateways and must not compete with them for 2 cores).
  sequence: { groupOrder: 1 },
  maxWorkers: 2,
  // vitest's defaults (5 s a test, 10 s a hook) are tight for the volume tests (tens of thousands of
  // rows) when a whole CI run loads both cores; a hang still fails, only later.
  testTimeout: 15_000,
  hookTimeout: 30_000,
};

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [workerUnderTest()],
        test: {
          ...workersTest,
          name: "workers",
          // Two workerd processes, each running its share of the files one after another with the
          // storage and modules the earlier files left (test/workers/per-file.ts resets what a file
          // may leave behind). Starting a runtime per file cost ~2.7 s each, most of the suite's time.
          isolate: false,
          include: ["test/workers/**/*.test.ts", "src/**/*.test.ts"],
          exclude: WHOLE_INSTALLATION,
        },
      },
      {
        plugins: [workerUnderTest()],
        test: {
          ...workersTest,
          name: "workers-installation",
          include: WHOLE_INSTALLATION,
        },
      },
      // `npm run bench -- isolate` only (tools/bench/suites/isolate.ts): the gateway's requests timed
      // in a warm loop inside workerd; never part of the test run.
      ...(process.env.EDGEGATE_ISOLATE_BENCH === "1"
        ? [
            {
              plugins: [workerUnderTest()],
              test: { ...workersTest, name: "isolate-bench", include: ["test/workers/bench/*.bench.ts"] },
            },
          ]
        : []),
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

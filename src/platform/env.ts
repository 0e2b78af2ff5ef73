import type { Principal } from "../identity/principal";

/** Worker bindings and variables (see wrangler.toml and docs/configuration.md). */
export interface Bindings {
  DB: D1Database;
  CACHE: KVNamespace;
  /** Bodies and blobs (src/storage/, docs/storage.md). */
  BLOBS: R2Bucket;
  /** Captured completions on their way to R2 and D1 (src/datasets/capture-consumer.ts, docs/storage.md). */
  CAPTURE_QUEUE: Queue<import("../datasets/capture-consumer").CaptureMessage>;
  RATE_LIMITER: DurableObjectNamespace<import("../../durable-objects/rate-limiter").RateLimiter>;
  TENANT_BUDGET: DurableObjectNamespace<import("../../durable-objects/tenant-budget").TenantBudget>;
  REALTIME: DurableObjectNamespace<import("../../durable-objects/realtime-session").RealtimeSession>;
  COALESCER: DurableObjectNamespace<import("../../durable-objects/coalescer").Coalescer>;
  SEMANTIC_INDEX: DurableObjectNamespace<import("../../durable-objects/semantic-index").SemanticIndex>;
  /** Only drains captures an older version buffered (durable-objects/capture-buffer.ts). */
  CAPTURE_BUFFER: DurableObjectNamespace<import("../../durable-objects/capture-buffer").CaptureBuffer>;
  EVAL_RUNNER: DurableObjectNamespace<import("../../durable-objects/eval-runner").EvalRunner>;
  VISION_VALIDATOR: DurableObjectNamespace<
    import("../../durable-objects/vision-validator").VisionValidatorObject
  >;
  OPENAI_BASE_URL: string;
  OPENAI_API_KEY?: string;
  /** Key sent to a tenant's own fine-tuning API (`distillation.fine_tuning.base_url`); never OPENAI_API_KEY. */
  FINE_TUNING_API_KEY?: string;
  ADMIN_TOKEN?: string;
  TOKEN_SECRET?: string;
  /** Encrypts the API keys of tenants' registered providers (AES-GCM; src/providers/keys.ts, docs/providers.md). */
  PROVIDER_KEYS_SECRET?: string;
  /**
   * Tests only: an ISO date the model-lifecycle checks take as "now" (src/models/clock.ts). Never set
   * it in a deployment.
   */
  EDGEGATE_NOW?: string;
  OPENAI_WEBHOOK_SECRET?: string;
  MAX_BODY_BYTES?: string;
  UPSTREAM_TIMEOUT_MS?: string;
  UPSTREAM_MAX_RETRIES?: string;
  UPSTREAM_RETRY_BASE_MS?: string;
  /** One deadline for all upstream retries of a request, `retry-after` waits included (default 10000; src/upstream/index.ts). */
  UPSTREAM_RETRY_BUDGET_MS?: string;
  /** Longest wait for the provider's next stream chunk before the stream ends with an error (default 60000; docs/streams.md). */
  UPSTREAM_STREAM_IDLE_MS?: string;
  LOG_LEVEL?: string;
  /** Image operations one request may spend on vision checks (default 500; see src/vision/settings.ts). */
  VISION_REQUEST_BUDGET?: string;
  /**
   * DNS-over-HTTPS JSON endpoint the outbound-URL guard resolves tenant-supplied hosts with (tools,
   * fine-tuning base URLs, images); Cloudflare's by default. See src/platform/outbound-url.ts.
   */
  OUTBOUND_DOH_URL?: string;
  /** Older name of OUTBOUND_DOH_URL, read when it is unset. */
  VISION_DOH_URL?: string;
  /**
   * Private hosts tenant-supplied URLs may reach: a comma list of host names (`*.corp.example`),
   * addresses and CIDRs (`10.0.0.0/8`, `[fd12::/16]`), each optionally with `:port`. Empty: none.
   */
  OUTBOUND_ALLOW_PRIVATE_HOSTS?: string;
  /**
   * Days captured traffic is kept, for every tenant (a tenant's `distillation.retention_days` may
   * only shorten it); the cron deletes what is older (src/datasets/retention.ts). Unset: kept.
   */
  CAPTURE_RETENTION_DAYS?: string;
  /**
   * `1`: count the Worker's operations per binding for the capacity benchmark
   * (src/platform/operation-counts.ts, `GET /admin/operations`). Off in deployments.
   */
  EDGEGATE_COUNT_OPERATIONS?: string;
  /**
   * The capture benchmark's injected faults: D1/R2 down for a window, lost queue acknowledgements
   * (src/platform/faults.ts). Never set in a deployment.
   */
  EDGEGATE_FAULTS?: string;
  /** How long cache counters are summed in an isolate before one D1 write (default 1000). */
  STATS_FLUSH_MS?: string;
  /**
   * How often a user's Durable Object re-checks the keys of its live Realtime sessions, ending those
   * whose key was revoked (default 5000; src/realtime/relay/credential-watch.ts). Tests shorten it.
   */
  REALTIME_CREDENTIAL_CHECK_MS?: string;
}

/** Per-request values set by middleware; each is written by exactly one middleware. */
export interface Variables {
  requestId: string;
  principal: Principal;
  /** Set by routes that consult the response cache; read by the request logger. */
  cacheStatus: string;
}

export interface AppEnv {
  Bindings: Bindings;
  Variables: Variables;
}

import { app } from "./app";

export { Coalescer } from "../durable-objects/coalescer";
export { RateLimiter } from "../durable-objects/rate-limiter";
export { RealtimeSession } from "../durable-objects/realtime-session";
export { SemanticIndex } from "../durable-objects/semantic-index";

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<import("./platform/env").Bindings>;

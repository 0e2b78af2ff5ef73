import type { D1Migration } from "cloudflare:test";
import type { Bindings } from "../../src/platform/env";

declare global {
  namespace Cloudflare {
    interface Env extends Bindings {
      TEST_MIGRATIONS: D1Migration[];
    }
  }
}

declare global {
  namespace Cloudflare {
    interface GlobalProps {
      mainModule: typeof import("../../src/index");
      durableNamespaces:
        | "RateLimiter"
        | "Coalescer"
        | "SemanticIndex"
        | "RealtimeSession"
        | "EvalRunner"
        | "CaptureBuffer";
    }
  }
}

declare module "vitest" {
  export interface ProvidedContext {
    simOrigin: string;
    imageOrigin: string;
  }
}

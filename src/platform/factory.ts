import { createFactory } from "hono/factory";
import type { AppEnv } from "./env";

/** The typed factory every middleware and sub-app is built from. */
export const factory = createFactory<AppEnv>();

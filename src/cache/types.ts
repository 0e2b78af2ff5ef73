import type { Context } from "hono";
import type { Coalescer } from "../../durable-objects/coalescer";
import type { SemanticIndex } from "../../durable-objects/semantic-index";
import type { AppEnv } from "../platform/env";
import type { CacheKind } from "./key";
import type { CachePolicy } from "./policy";
import type { Framing } from "./replay";
import type { CacheEntry } from "./store";

export type CacheStatus = "HIT" | "SEMANTIC_HIT" | "MISS" | "BYPASS" | "COALESCED";

/** Sends the (possibly rewritten) request body to the provider; supplied by the proxy. */
export type SendUpstream = (body: Record<string, unknown>) => Promise<Response>;

/** What the gateway answered, for observers such as traffic capture (src/datasets). */
export interface AnsweredCall {
  kind: CacheKind;
  /** The request as the client sent it. */
  request: Record<string, unknown>;
  /** The provider's final object (assembled for streams); null for errors and cut streams. */
  answer: Record<string, unknown> | null;
  status: CacheStatus;
  endUser: string | null;
  latencyMs: number;
}

export interface CachedCall {
  kind: CacheKind;
  body: Record<string, unknown>;
  endUser: string | null;
  send: SendUpstream;
  /** Called once the answer is known (after the response for misses), outside the response path. */
  onAnswer?: (answered: AnsweredCall) => Promise<void>;
  /** `performance.now()` when the request arrived. */
  startedAt: number;
  /**
   * `performance.now()` when the answer was handed back (`markAnswered`), for accounting that runs
   * after the response; unset for a stream until it ends, whose latency is taken at its end.
   */
  answeredAt?: number;
}

/** Semantic state of a request: its partition's index, its question and vector, and any shadow hit. */
export interface SemanticState {
  index: DurableObjectStub<SemanticIndex>;
  question: string;
  vector: Float32Array;
  /** Shadow mode: the entry a semantic hit would have served, and its similarity. */
  shadow: { entry: CacheEntry; similarity: number } | null;
}

/** One request going through the cache: what every step needs. */
export interface Flow {
  c: Context<AppEnv>;
  call: CachedCall;
  framing: Framing;
  policy: CachePolicy;
}

/** This request leads a coalesced flight: it must complete or abandon it. */
export type Lead = { stub: DurableObjectStub<Coalescer>; key: string; token: string } | null;

/** A request the provider answers: how it is reported, and where its answer goes afterwards. */
export interface Miss {
  status: "MISS" | "BYPASS";
  /** The exact cache key; null when the answer is not stored (BYPASS). */
  key: string | null;
  lead: Lead;
  semantic: SemanticState | null;
}

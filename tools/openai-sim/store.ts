/**
 * Resources the simulator keeps between requests (files, fine-tuning jobs, fine-tuned models, stored
 * responses, the prompt-cache memory) and the timers and outbound requests that `close()` must stop.
 * Every collection is bounded so a long-running simulator keeps a fixed memory footprint.
 */

import { BoundedMap } from "./bounded-map";
import type { StoredFile } from "./files";
import type { FineTunedModel, JobRecord } from "./fine-tuning";
import { PromptCache } from "./prompt-cache";
import type { StoredResponse } from "./responses";

export const LIMITS = {
  files: 2_000,
  /** Total bytes of stored file contents. */
  fileBytes: 512 * 1024 * 1024,
  jobs: 500,
  responses: 1_000,
  jsonBodyBytes: 64 * 1024 * 1024,
  uploadBodyBytes: 128 * 1024 * 1024,
} as const;

export interface SimStore {
  /** Insertion-ordered: the oldest file first. */
  files: Map<string, StoredFile>;
  jobs: BoundedMap<string, JobRecord>;
  fineTunedModels: Map<string, FineTunedModel>;
  responses: BoundedMap<string, StoredResponse>;
  promptCache: PromptCache;
  timers: Set<NodeJS.Timeout>;
  /** Wakes pending `sleep()`s. */
  sleepers: Set<() => void>;
  aborts: Set<AbortController>;
  closed: boolean;
}

export function createStore(): SimStore {
  return {
    files: new Map(),
    jobs: new BoundedMap(LIMITS.jobs),
    fineTunedModels: new Map(),
    responses: new BoundedMap(LIMITS.responses),
    promptCache: new PromptCache(),
    timers: new Set(),
    sleepers: new Set(),
    aborts: new Set(),
    closed: false,
  };
}

/** Runs `fn` after `ms` unless the store is disposed first. */
export function schedule(store: SimStore, ms: number, fn: () => void): NodeJS.Timeout {
  const timer = setTimeout(() => {
    store.timers.delete(timer);
    if (store.closed) return;
    try {
      fn();
    } catch (error) {
      // A background step must never take the whole simulator (and the test run) down.
      console.error("openai-sim: background task failed", error);
    }
  }, ms);
  store.timers.add(timer);
  return timer;
}

export function cancelTimer(store: SimStore, timer: NodeJS.Timeout | undefined): void {
  if (!timer) return;
  clearTimeout(timer);
  store.timers.delete(timer);
}

/** A promise that resolves after `ms`; on dispose it resolves at once (the socket is gone by then). */
export function sleep(store: SimStore, ms: number): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const wake = (): void => {
      clearTimeout(timer);
      store.sleepers.delete(wake);
      resolve();
    };
    const timer = setTimeout(wake, ms);
    store.sleepers.add(wake);
  });
}

export function disposeStore(store: SimStore): void {
  store.closed = true;
  for (const timer of store.timers) clearTimeout(timer);
  store.timers.clear();
  for (const wake of [...store.sleepers]) wake();
  for (const controller of store.aborts) controller.abort();
  store.aborts.clear();
}

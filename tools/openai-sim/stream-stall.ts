/**
 * The `stallStreamAfterEvents` fault: an SSE reply whose headers (and maybe some events) went out,
 * then nothing more, as a provider that hangs mid-answer. The connection stays open until the
 * client gives up or the simulator stops; then it is destroyed, never ended cleanly.
 */
import type { ServerResponse } from "node:http";
import { type SimStore, sleep } from "./store";

/** Longest a stalled reply is held open when no client ever leaves. */
const MAX_STALL_MS = 10 * 60_000;

export async function stallStream(res: ServerResponse, store: SimStore): Promise<void> {
  if (!res.destroyed) {
    await new Promise<void>((resolve) => {
      res.once("close", resolve);
      void sleep(store, MAX_STALL_MS).then(resolve);
    });
  }
  res.socket?.destroy();
}

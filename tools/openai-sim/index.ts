/**
 * The OpenAI simulator: a faithful fake of the OpenAI HTTP API (and, through `realtime.ts`, the
 * Realtime WebSocket) on 127.0.0.1, the upstream for every gateway test.
 *
 * @example
 * const sim = await startSimulator();
 * const client = new OpenAI({ baseURL: sim.url, apiKey: "sk-sim-edgegate" });
 * await sim.close();
 */
import type { Socket } from "node:net";
import { closeRealtimeConnections } from "./realtime";
import { createSimServer } from "./server";
import { createState, type SimConfig, type SimState } from "./state";
import { createStore, disposeStore, type SimStore } from "./store";

export type { FaultSpec, SimConfig, SimState } from "./state";
export { signWebhook, WEBHOOK_USER_AGENT, webhookHeaders } from "./webhooks";

export interface Simulator {
  /** `http://127.0.0.1:PORT` */
  origin: string;
  /** `origin + "/v1"`, the `baseURL` for OpenAI clients. */
  url: string;
  port: number;
  state: SimState;
  /** Files, fine-tuning jobs and the other resources the simulator keeps. */
  store: SimStore;
  /** Stops the server, its timers and every open connection (keep-alive and WebSocket included). */
  close(): Promise<void>;
}

export interface SimulatorOptions {
  /** 0 or omitted: a random free port. */
  port?: number;
  host?: string;
  config?: Partial<SimConfig>;
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const state = createState(opts.config);
  const store = createStore();
  const server = createSimServer(state, store);
  const sockets = new Set<Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  const host = opts.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const origin = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      // Realtime clients get a proper 1001 close frame before their sockets are cut.
      closeRealtimeConnections(state);
      disposeStore(store);
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
    });
    return closing;
  };
  return { origin, url: `${origin}/v1`, port, state, store, close };
}

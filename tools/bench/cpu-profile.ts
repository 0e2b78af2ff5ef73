/**
 * V8 CPU profiles of a running workerd through its devtools inspector (Chrome DevTools Protocol):
 * `Profiler.start` / `Profiler.stop` around a load, the `.cpuprofile` written for a flame graph
 * (Chrome DevTools, speedscope.app), and its top functions by self time for the report.
 *
 * @see https://chromedevtools.github.io/devtools-protocol/v8/Profiler/
 */
import { WebSocket } from "ws";

interface ProfileNode {
  id: number;
  callFrame: {
    functionName: string;
    scriptId?: string;
    url: string;
    lineNumber: number;
    columnNumber: number;
  };
  hitCount?: number;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileEntry {
  /** `function (file:line)`, or V8's `(program)`, `(garbage collector)`, `(idle)`. */
  name: string;
  /** Share of the busy samples (all but `(idle)`), in percent. */
  selfPercent: number;
}

/** A devtools session on one inspector WebSocket: `send` answers the command's `result`. */
export class Inspector {
  private nextId = 1;
  private readonly pending = new Map<number, (message: { result?: unknown; error?: unknown }) => void>();

  private constructor(private readonly ws: WebSocket) {
    ws.on("message", (data) => {
      const message = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: unknown };
      if (message.id !== undefined) this.pending.get(message.id)?.(message);
    });
  }

  /** Connects to the first target the inspector at `url` (`http://host:port/`) lists. */
  static async connect(url: string): Promise<Inspector> {
    const targets = (await fetch(new URL("/json/list", url)).then((r) => r.json())) as {
      webSocketDebuggerUrl: string;
    }[];
    const target = targets[0];
    if (!target) throw new Error(`The inspector at ${url} lists no target.`);
    const ws = new WebSocket(target.webSocketDebuggerUrl);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    return new Inspector(ws);
  }

  send<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, (message) => {
        this.pending.delete(id);
        if (message.error) reject(new Error(`${method}: ${JSON.stringify(message.error)}`));
        else resolve(message.result as T);
      });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Profiles whatever the isolate runs while `load` runs. */
  async profile(load: () => Promise<unknown>, samplingIntervalUs = 100): Promise<CpuProfile> {
    await this.send("Profiler.enable");
    await this.send("Profiler.setSamplingInterval", { interval: samplingIntervalUs });
    await this.send("Profiler.start");
    let stopped: Promise<{ profile: CpuProfile }>;
    try {
      await load();
    } finally {
      stopped = this.send<{ profile: CpuProfile }>("Profiler.stop");
    }
    const { profile } = await stopped;
    await this.send("Profiler.disable");
    return profile;
  }

  close(): void {
    this.ws.close();
  }
}

const shortUrl = (url: string) => url.replace(/^.*\/(src|durable-objects|node_modules)\//, "$1/");

/**
 * Self time per function (summed over the call tree) as a share of the busy samples, the largest
 * `limit` first. `(program)` is workerd's own native work (HTTP, streams, bindings) outside JavaScript.
 */
export function topSelf(profile: CpuProfile, limit = 15): ProfileEntry[] {
  const busy = profile.nodes.filter((node) => node.callFrame.functionName !== "(idle)");
  const total = busy.reduce((sum, node) => sum + (node.hitCount ?? 0), 0) || 1;
  const byName = new Map<string, number>();
  for (const node of busy) {
    const { functionName, url, lineNumber } = node.callFrame;
    const name = url
      ? `${functionName || "(anonymous)"} (${shortUrl(url)}:${lineNumber + 1})`
      : functionName || "(native, unnamed)";
    byName.set(name, (byName.get(name) ?? 0) + (node.hitCount ?? 0));
  }
  return [...byName]
    .map(([name, hits]) => ({ name, selfPercent: (hits / total) * 100 }))
    .sort((a, b) => b.selfPercent - a.selfPercent)
    .slice(0, limit);
}

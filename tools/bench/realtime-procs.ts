/**
 * The processes a Realtime benchmark run involves, read from `/proc` (Linux): the simulator child,
 * and the two workerd processes `wrangler dev` starts (its proxy worker, and the Miniflare instance
 * that runs the gateway), with their CPU time, resident memory and listening ports.
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

const TICKS_PER_SECOND = 100;

function stat(pid: number): string[] {
  // Fields after the command name, which is in parentheses and may contain spaces.
  return (readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1] ?? "").split(" ");
}

function parentOf(pid: number): number {
  return Number(stat(pid)[1]);
}

/** Descendants of this process whose command line matches `pattern`. */
export function descendants(pattern: RegExp): { pid: number; cmd: string }[] {
  const found: { pid: number; cmd: string }[] = [];
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid <= 1) continue;
    try {
      let ancestor = pid;
      for (let depth = 0; depth < 6 && ancestor > 1; depth++) {
        ancestor = parentOf(ancestor);
        if (ancestor !== process.pid) continue;
        const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
        if (pattern.test(cmd)) found.push({ pid, cmd });
        break;
      }
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

/** TCP ports process `pid` listens on. */
export function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const socket = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (socket?.[1]) inodes.add(socket[1]);
    } catch {
      // Closed meanwhile.
    }
  }
  const ports: number[] = [];
  for (const line of readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    const [, local, , state] = fields;
    if (state === "0A" && fields[9] && inodes.has(fields[9]) && local) {
      ports.push(Number.parseInt(local.split(":")[1] ?? "0", 16));
    }
  }
  return ports;
}

/** User + system CPU time of a process, in ms. */
export function cpuMs(pid: number): number {
  const fields = stat(pid);
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

/** Resident memory of a process, in bytes. */
export function rssBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((l) => l.startsWith("VmRSS:"));
  return Number(line?.replace(/\D+/g, "") ?? 0) * 1024;
}

export interface WorkerdProcesses {
  /** The workerd running wrangler's proxy worker (the URL `wrangler dev` prints). */
  proxy: { pid: number; port: number };
  /** The workerd running the gateway (Miniflare's own entry URL). */
  gateway: { pid: number; port: number };
}

/**
 * The two workerd processes of a launched gateway, told apart by the port `wrangler dev` serves;
 * `ignore` holds the processes of other Workers this process started (the bare relay).
 */
export function workerdProcesses(
  proxyPort: number,
  ignore: ReadonlySet<number> = new Set(),
): WorkerdProcesses {
  const all = descendants(/workerd(-linux-64)?\/bin\/workerd serve/).filter((p) => !ignore.has(p.pid));
  const withPorts = all.map((p) => ({ pid: p.pid, ports: listeningPorts(p.pid) }));
  const proxy = withPorts.find((p) => p.ports.includes(proxyPort));
  const gateway = withPorts.find((p) => p !== proxy && p.ports.length > 0);
  if (!proxy || !gateway) {
    throw new Error(`Could not find wrangler's two workerd processes (found ${JSON.stringify(withPorts)}).`);
  }
  return {
    proxy: { pid: proxy.pid, port: proxyPort },
    gateway: { pid: gateway.pid, port: gateway.ports[0] as number },
  };
}

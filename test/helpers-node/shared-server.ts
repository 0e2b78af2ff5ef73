/**
 * One server for every test project that asks for it: the first project's globalSetup starts it and
 * the last one's teardown closes it (the workers projects share the simulator and the image server,
 * on the ports vitest.config.ts gave their bindings). Vitest imports a globalSetup file once per
 * project, so what is shared lives on `globalThis` under the server's name.
 */
interface Shared {
  started: Promise<{ close(): Promise<void> }>;
  users: number;
}

const SHARED = Symbol.for("edgegate.test.sharedServers");

function sharedServers(): Map<string, Shared> {
  const holder = globalThis as { [SHARED]?: Map<string, Shared> };
  holder[SHARED] ??= new Map();
  return holder[SHARED];
}

export async function sharedServer<T extends { close(): Promise<void> }>(
  name: string,
  start: () => Promise<T>,
): Promise<{ server: T; release: () => Promise<void> }> {
  const servers = sharedServers();
  let entry = servers.get(name);
  if (!entry) {
    entry = { started: start(), users: 0 };
    servers.set(name, entry);
  }
  entry.users++;
  const server = (await entry.started) as T;
  const shared = entry;
  const release = async (): Promise<void> => {
    shared.users--;
    if (shared.users > 0) return;
    servers.delete(name);
    await server.close();
  };
  return { server, release };
}

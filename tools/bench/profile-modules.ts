/**
 * A CPU profile of a Worker's bundle charged to the source modules it was bundled from (the `phases`
 * suite): esbuild marks where each module starts with a `// path` comment, and each busy sample goes
 * to the module of its innermost frame in the bundle, so a runtime call (`new Response`, a body read)
 * counts for the module that made it.
 */
import type { CpuProfile } from "./cpu-profile";

/** Lines of the bundle → the source module esbuild's `// path` marker above them names. */
export function moduleLines(source: string): (line: number) => string {
  const starts: { line: number; module: string }[] = [];
  source.split("\n").forEach((text, index) => {
    const marker = /^\/\/ (\.\.\/)*((src|durable-objects|node_modules|tools)\/\S+)$/.exec(text);
    if (marker?.[2]) starts.push({ line: index, module: marker[2].replace(/^node_modules\//, "") });
  });
  return (line) => {
    let low = 0;
    let high = starts.length - 1;
    let found = "(bundle prelude)";
    while (low <= high) {
      const mid = (low + high) >> 1;
      const start = starts[mid];
      if (!start) break;
      if (start.line <= line) {
        found = start.module;
        low = mid + 1;
      } else high = mid - 1;
    }
    return found;
  };
}

/** Microseconds per request by module: each busy sample charged to its innermost bundle frame. */
export function byModule(
  profile: CpuProfile,
  bundle: { scriptId: string; moduleOf: (line: number) => string },
  usPerRequest: number,
): Record<string, number> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const charged = new Map<string, number>();
  let busy = 0;
  for (const id of profile.samples ?? []) {
    const node = byId.get(id);
    const name = node?.callFrame.functionName;
    if (!node || name === "(idle)") continue;
    busy++;
    let at: number | undefined = id;
    let module = name === "(garbage collector)" ? "(garbage collector)" : "(runtime, outside JavaScript)";
    while (at !== undefined) {
      const frame = byId.get(at)?.callFrame;
      if (frame?.scriptId === bundle.scriptId) {
        module = bundle.moduleOf(frame.lineNumber);
        break;
      }
      at = parent.get(at);
    }
    charged.set(module, (charged.get(module) ?? 0) + 1);
  }
  return Object.fromEntries(
    [...charged]
      .sort((a, b) => b[1] - a[1])
      .map(([module, samples]) => [module, (samples / Math.max(busy, 1)) * usPerRequest]),
  );
}

/**
 * The nesting check every JSON body passes before it is parsed: one iterative pass over the raw
 * text (no recursion, no allocation per value), so a 10,000-deep `tools` schema is a 400 naming where
 * it got too deep instead of a stack overflow in whatever walks the parsed value later.
 */

/** Deepest nesting of objects and arrays a JSON body may have (the body itself is level 1). */
export const MAX_JSON_DEPTH = 64;

/** Key names longer than this are cut in the reported path, and the path itself too. */
const KEY_SHOWN_CHARS = 40;
const PATH_SHOWN_CHARS = 240;

interface Level {
  kind: "object" | "array";
  /** The key being read or last read (objects), or the element index (arrays). */
  key: string;
  index: number;
}

/**
 * Index just after the `"` that closes the JSON string opening at `open` (the index of its `"`),
 * skipping escaped quotes; -1 when the string does not end. Jumps from quote to quote with
 * `indexOf`, so a long string costs a memchr, not a loop in JavaScript.
 */
export function skipJsonString(text: string, open: number): number {
  let at = open + 1;
  for (;;) {
    const quote = text.indexOf('"', at);
    if (quote < 0) return -1;
    let slashes = 0;
    for (let i = quote - 1; text.charCodeAt(i) === 0x5c; i--) slashes++;
    if (slashes % 2 === 0) return quote + 1;
    at = quote + 1;
  }
}

/** `tools[0].function.parameters` style path of the open containers (the last one included). */
function pathOf(levels: readonly Level[]): string {
  let out = "";
  // The body itself (levels[0]) has no name; each deeper level is named by its parent's key or index.
  for (let i = 0; i < levels.length - 1; i++) {
    const parent = levels[i] as Level;
    if (parent.kind === "array") out += `[${parent.index}]`;
    else out += out ? `.${parent.key}` : parent.key;
  }
  return out.length > PATH_SHOWN_CHARS ? `${out.slice(0, PATH_SHOWN_CHARS)}…` : out;
}

/**
 * The path where `text` first nests deeper than `maxDepth`, or null when it does not. Strings
 * (with escapes) are skipped, so brackets inside them do not count. Invalid JSON is left to the
 * parser, which says so.
 */
export function tooDeepAt(text: string, maxDepth = MAX_JSON_DEPTH): string | null {
  const levels: Level[] = [];
  let readingKey = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x22 /* " */) {
      const start = i + 1;
      const end = skipJsonString(text, i);
      if (end < 0) return null;
      i = end - 1;
      const top = levels[levels.length - 1];
      if (readingKey && top?.kind === "object") {
        top.key = text.slice(start, Math.min(i, start + KEY_SHOWN_CHARS));
        readingKey = false;
      }
      continue;
    }
    if (ch === 0x7b /* { */ || ch === 0x5b /* [ */) {
      levels.push({ kind: ch === 0x7b ? "object" : "array", key: "", index: 0 });
      if (levels.length > maxDepth) return pathOf(levels);
      readingKey = ch === 0x7b;
    } else if (ch === 0x7d /* } */ || ch === 0x5d /* ] */) {
      levels.pop();
      readingKey = false;
    } else if (ch === 0x2c /* , */) {
      const top = levels[levels.length - 1];
      if (top?.kind === "array") top.index++;
      else readingKey = top !== undefined;
    }
  }
  return null;
}

/** Words that flip a question's meaning; a semantic hit must agree on them. */
const NEGATIONS = new Set([
  "not",
  "no",
  "never",
  "none",
  "nobody",
  "nothing",
  "neither",
  "nor",
  "without",
  "cannot",
  "cant",
  "dont",
  "doesnt",
  "isnt",
  "arent",
  "wasnt",
  "werent",
  "wont",
  "shouldnt",
  "couldnt",
  "wouldnt",
  "except",
]);

function words(text: string): string[] {
  return text
    .toLowerCase()
    .replaceAll(/[’']/g, "")
    .split(/[^\p{L}\p{N}.,-]+/u)
    .map((w) => w.replace(/^[.,-]+|[.,-]+$/g, ""))
    .filter(Boolean);
}

function negations(text: string): string[] {
  return words(text)
    .filter((w) => NEGATIONS.has(w))
    .sort();
}

function numbers(text: string): string[] {
  return (text.match(/-?\d+(?:[.,]\d+)*/g) ?? []).map((n) => n.replaceAll(",", "")).sort();
}

/** Capitalised words that are not the first of a sentence: names of people, places, products. */
function entities(text: string): string[] {
  const found = new Set<string>();
  const re = /(^|[.!?]\s+)?(\p{Lu}[\p{L}\p{N}-]*)/gu;
  for (const m of text.matchAll(re)) {
    const atStart = m.index === 0 || m[1] !== undefined;
    if (!atStart && m[2]) found.add(m[2].toLowerCase());
  }
  return [...found].sort();
}

/** Every named entity of `a` appears (in any case) among the words of `b`. */
function entitiesCovered(a: string, b: string): boolean {
  const wordsOfB = new Set(words(b));
  return entities(a).every((e) => wordsOfB.has(e));
}

const same = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * A cheap check that refuses semantic hits whose questions differ where embeddings are blind:
 * negation ("does" vs "does not"), numbers ("2 tickets" vs "3 tickets") and named entities.
 * Returns the reason for a refusal, or null when the hit may be served.
 */
export function refuseSemanticHit(query: string, stored: string): string | null {
  if (!same(negations(query), negations(stored))) return "negation";
  if (!same(numbers(query), numbers(stored))) return "numbers";
  if (!entitiesCovered(query, stored) || !entitiesCovered(stored, query)) return "entities";
  return null;
}

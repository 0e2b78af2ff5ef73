/**
 * A labelled set of question pairs for the semantic cache: paraphrases that should share an answer,
 * and hard negatives that must not (negation, another number, another entity). Built from templates
 * so it is reproducible and large enough (≥ 300 pairs) to give stable precision and recall.
 */
export interface LabelledPair {
  a: string;
  b: string;
  same: boolean;
  kind: "paraphrase" | "negation" | "number" | "entity";
}

const TOPICS: { q: string; entity: [string, string]; n: [number, number] }[] = [
  { q: "What is the population of {E} in {N}?", entity: ["France", "Spain"], n: [2020, 2021] },
  {
    q: "How do I get from {E} airport to the city centre for {N} people?",
    entity: ["Berlin", "Munich"],
    n: [2, 3],
  },
  { q: "Book {N} tickets for the concert in {E}", entity: ["London", "Dublin"], n: [2, 4] },
  { q: "What was the weather in {E} on day {N} of the trip?", entity: ["Rome", "Milan"], n: [1, 2] },
  { q: "Convert {N} euros to dollars for my trip to {E}", entity: ["Canada", "Mexico"], n: [100, 150] },
  { q: "Summarise chapter {N} of the book about {E}", entity: ["Napoleon", "Caesar"], n: [3, 4] },
  { q: "How many calories are in {N} slices of {E} pizza?", entity: ["Margherita", "Hawaiian"], n: [2, 3] },
  { q: "Schedule a meeting with {E} at {N} o'clock", entity: ["Alice", "Bob"], n: [9, 10] },
  { q: "What is the tallest building in {E} built before {N}?", entity: ["Tokyo", "Seoul"], n: [1990, 2000] },
  { q: "Give me {N} tips for visiting {E} in winter", entity: ["Norway", "Sweden"], n: [3, 5] },
  { q: "Explain how {E} handles {N} concurrent requests", entity: ["Postgres", "Redis"], n: [100, 1000] },
  { q: "What time does the {E} store open on {N} December?", entity: ["Apple", "Samsung"], n: [24, 26] },
  { q: "Translate the first {N} lines of the poem into {E}", entity: ["German", "Italian"], n: [4, 8] },
  { q: "How long does it take to drive {N} kilometres to {E}?", entity: ["Lyon", "Nice"], n: [50, 80] },
  { q: "Recommend {N} books similar to {E}", entity: ["Dune", "Foundation"], n: [5, 10] },
  { q: "Is {E} a good place to live with {N} children?", entity: ["Amsterdam", "Brussels"], n: [2, 3] },
  { q: "How much does a ticket to {E} cost for {N} adults?", entity: ["Disneyland", "Legoland"], n: [2, 4] },
  { q: "What did {E} say in the speech of {N}?", entity: ["Lincoln", "Churchill"], n: [1863, 1940] },
  { q: "Find flights to {E} for {N} passengers next week", entity: ["Lisbon", "Porto"], n: [1, 2] },
  { q: "Can my {E} laptop run {N} virtual machines?", entity: ["Dell", "Lenovo"], n: [2, 4] },
];

const NEGATABLE = [
  ["Is it safe to {V} after eating?", "Is it not safe to {V} after eating?"],
  ["Should I {V} before the interview?", "Should I not {V} before the interview?"],
  ["Can I {V} on a Sunday?", "Can I never {V} on a Sunday?"],
  ["Do dogs like to {V}?", "Do dogs not like to {V}?"],
  ["Is it legal to {V} in the park?", "Isn't it legal to {V} in the park?"],
] as const;
const VERBS = [
  "swim",
  "run",
  "drink coffee",
  "sleep",
  "drive",
  "read",
  "cook",
  "travel",
  "study",
  "sing",
  "dance",
  "fish",
];

const fill = (t: string, e: string, n: number) => t.replaceAll("{E}", e).replaceAll("{N}", String(n));

/** Surface rewrites that keep the meaning: case, punctuation, politeness, filler. */
const PARAPHRASES: ((s: string) => string)[] = [
  (s) => s.toLowerCase(),
  (s) => s.replace(/[?.!]$/, ""),
  (s) => `Please ${s.charAt(0).toLowerCase()}${s.slice(1)}`,
  (s) => `${s.replace(/[?.!]$/, "")}, thanks!`,
  (s) => `Quick question: ${s}`,
  (s) => s.replaceAll("  ", " ").toUpperCase(),
];

export function labelledPairs(): LabelledPair[] {
  const out: LabelledPair[] = [];
  for (const t of TOPICS) {
    const base = fill(t.q, t.entity[0], t.n[0]);
    for (const p of PARAPHRASES) out.push({ a: base, b: p(base), same: true, kind: "paraphrase" });
    out.push({ a: base, b: fill(t.q, t.entity[0], t.n[1]), same: false, kind: "number" });
    out.push({ a: base, b: fill(t.q, t.entity[1], t.n[0]), same: false, kind: "entity" });
    out.push({ a: base, b: fill(t.q, t.entity[1], t.n[0]).toLowerCase(), same: false, kind: "entity" });
  }
  for (const [pos, neg] of NEGATABLE) {
    for (const v of VERBS) {
      const a = pos.replace("{V}", v);
      out.push({ a, b: neg.replace("{V}", v), same: false, kind: "negation" });
      out.push({ a, b: a.toLowerCase(), same: true, kind: "paraphrase" });
    }
  }
  return out;
}

import { DEFAULT_THRESHOLD, EMBEDDING_DIMENSIONS } from "../../src/cache/semantic-defaults";
import { refuseSemanticHit } from "../../src/cache/verify";
import { labelledPairs } from "./cache-pairs";

export interface QualityResult {
  pairs: number;
  threshold: number;
  model: string;
  embeddingsFrom: string;
  precision: number;
  recall: number;
  /** Precision with the embedding threshold alone, to show what the verifier adds. */
  precisionWithoutVerifier: number;
  falseHits: { a: string; b: string; kind: string; similarity: number }[];
  byKind: Record<string, { pairs: number; predictedSame: number }>;
}

interface EmbeddingList {
  data: { index: number; embedding: number[] }[];
}

async function embedAll(
  baseUrl: string,
  apiKey: string,
  model: string,
  texts: string[],
): Promise<number[][]> {
  const out: number[][] = [];
  for (let i = 0; i < texts.length; i += 256) {
    const batch = texts.slice(i, i + 256);
    const res = await fetch(`${baseUrl}/embeddings`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({
        model,
        input: batch,
        dimensions: EMBEDDING_DIMENSIONS,
        encoding_format: "float",
      }),
    });
    if (!res.ok) throw new Error(`embeddings: ${res.status} ${await res.text()}`);
    const json = (await res.json()) as EmbeddingList;
    for (const item of json.data.sort((x, y) => x.index - y.index)) out.push(item.embedding);
  }
  return out;
}

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] ?? 0) * (b[i] ?? 0);
    na += (a[i] ?? 0) ** 2;
    nb += (b[i] ?? 0) ** 2;
  }
  return dot / (Math.sqrt(na * nb) || 1);
}

/**
 * Precision and recall of the semantic matcher (embedding similarity ≥ threshold, then the
 * negation/number/entity verifier) on the labelled pairs, exactly as the gateway decides a hit.
 * Point it at a real embeddings API with BENCH_EMBEDDINGS_BASE_URL / _API_KEY / _MODEL.
 */
export async function semanticQuality(
  baseUrl: string,
  apiKey: string,
  model: string,
): Promise<QualityResult> {
  const pairs = labelledPairs();
  const texts = [...new Set(pairs.flatMap((p) => [p.a, p.b]))];
  const vectors = await embedAll(baseUrl, apiKey, model, texts);
  const byText = new Map(texts.map((t, i) => [t, vectors[i] ?? []]));
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tpSim = 0;
  let fpSim = 0;
  const falseHits: QualityResult["falseHits"] = [];
  const byKind: QualityResult["byKind"] = {};
  for (const p of pairs) {
    const similarity = cosine(byText.get(p.a) ?? [], byText.get(p.b) ?? []);
    const close = similarity >= DEFAULT_THRESHOLD;
    if (close && p.same) tpSim++;
    if (close && !p.same) fpSim++;
    const predicted = close && refuseSemanticHit(p.a, p.b) === null;
    const k = byKind[p.kind] ?? { pairs: 0, predictedSame: 0 };
    byKind[p.kind] = k;
    k.pairs++;
    if (predicted) k.predictedSame++;
    if (predicted && p.same) tp++;
    else if (predicted && !p.same) {
      fp++;
      falseHits.push({ a: p.a, b: p.b, kind: p.kind, similarity });
    } else if (!predicted && p.same) fn++;
  }
  return {
    pairs: pairs.length,
    threshold: DEFAULT_THRESHOLD,
    model,
    embeddingsFrom: baseUrl,
    precision: tp + fp ? tp / (tp + fp) : 1,
    recall: tp + fn ? tp / (tp + fn) : 0,
    precisionWithoutVerifier: tpSim + fpSim ? tpSim / (tpSim + fpSim) : 1,
    falseHits,
    byKind,
  };
}

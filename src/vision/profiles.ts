/**
 * Vision validation profiles: the rules of the trainer a vision dataset is meant for. OpenAI's
 * self-serve vision fine-tuning ends with its base model (docs/openai-reference.md G), so the same
 * dataset is also checked against Azure OpenAI's rules and those of the open-weight VLMs that the
 * external trainers fine-tune with LoRA. A profile fixes the model rules (images per example, tokens
 * an image costs, tokens per example, price); the tenant's settings keep the fetch rules (timeouts,
 * redirects, private hosts, budget), which are the gateway's, not the trainer's.
 *
 * Sources (each profile's `source`): OpenAI's vision fine-tuning guide; Azure OpenAI's fine-tuning
 * how-to ("up to 64 images per example"); Qwen2.5-VL's image processor (`smart_resize`: 28-pixel
 * patches merged 2×2, 3,136 to 12,845,056 pixels, aspect ratio under 200); Llama 3.2 Vision's
 * processor (560-pixel tiles, at most 4, 1,601 tokens per tile, one image per prompt); Gemma 3's
 * processor (896×896, 256 tokens per image). Open-weight limits per example are the sequence length
 * of the LoRA recipes Edgegate's training bundles carry (docs/training.md).
 */
import type { Detail } from "./tokens";
import { imageTokens as openaiImageTokens } from "./tokens";

export const VISION_PROFILE_NAMES = [
  "openai",
  "azure-openai",
  "qwen2.5-vl",
  "llama-3.2-vision",
  "gemma-3",
] as const;
export type VisionProfileName = (typeof VISION_PROFILE_NAMES)[number];
/** Profiles of trainers behind OpenAI's fine-tuning API shape. */
export const OPENAI_API_PROFILES = ["openai", "azure-openai"] as const;
export type OpenAiApiProfileName = (typeof OPENAI_API_PROFILES)[number];

export function isOpenAiApi(name: VisionProfileName | null | undefined): name is OpenAiApiProfileName {
  return name === "openai" || name === "azure-openai";
}

/**
 * The profile of a job through OpenAI's fine-tuning API: the one it names, else the dataset's when
 * that is an OpenAI-API trainer, else `openai`; null keeps the tenant's own limits (its default
 * profile is an OpenAI-API one and the dataset names none).
 */
export function openAiJobProfile(
  requested: OpenAiApiProfileName | undefined,
  dataset: VisionProfileName | null,
  tenantDefault: VisionProfileName | undefined,
): VisionProfileName | null {
  if (requested) return requested;
  if (dataset) return isOpenAiApi(dataset) ? dataset : "openai";
  return tenantDefault === undefined || isOpenAiApi(tenantDefault) ? null : "openai";
}

export interface VisionProfile {
  name: VisionProfileName;
  /** Where the rules come from, for the docs and the report. */
  source: string;
  maxImagesPerExample: number;
  maxExamplesWithImages: number;
  maxTokensPerExample: number;
  minExamples: number;
  /** Largest image in bytes the trainer takes. */
  maxImageBytes: number;
  /** Training price in USD per million tokens; null when the trainer is not priced per token. */
  usdPerMillionTokens: number | null;
  /** Training tokens of one image of this size. */
  imageTokens(width: number, height: number, detail: Detail): number;
  /** A reason the trainer refuses an image of this size, or null. */
  sizeProblem(width: number, height: number): string | null;
  /** Whether `detail` means anything to this trainer (warnings about downscaling only then). */
  honoursDetail: boolean;
}

const QWEN_PATCH = 28;
const QWEN_MIN_PIXELS = 56 * 56;
const QWEN_MAX_PIXELS = 16_384 * 28 * 28;

/** Qwen2.5-VL's `smart_resize`: both sides rounded to 28, the area brought within its pixel range. */
export function qwenResize(width: number, height: number): { width: number; height: number } {
  const round = (v: number) => Math.max(QWEN_PATCH, Math.round(v / QWEN_PATCH) * QWEN_PATCH);
  let w = round(width);
  let h = round(height);
  if (w * h > QWEN_MAX_PIXELS) {
    const beta = Math.sqrt((width * height) / QWEN_MAX_PIXELS);
    w = Math.max(QWEN_PATCH, Math.floor(width / beta / QWEN_PATCH) * QWEN_PATCH);
    h = Math.max(QWEN_PATCH, Math.floor(height / beta / QWEN_PATCH) * QWEN_PATCH);
  } else if (w * h < QWEN_MIN_PIXELS) {
    const beta = Math.sqrt(QWEN_MIN_PIXELS / (width * height));
    w = Math.ceil((width * beta) / QWEN_PATCH) * QWEN_PATCH;
    h = Math.ceil((height * beta) / QWEN_PATCH) * QWEN_PATCH;
  }
  return { width: w, height: h };
}

const LLAMA_TILE = 560;
const LLAMA_MAX_TILES = 4;
/** (560 / 14)² patches plus the class token. */
const LLAMA_TOKENS_PER_TILE = 1601;

/** Tiles Llama 3.2 Vision cuts an image into: the fewest (at most 4) whose canvas holds it best. */
export function llamaTiles(width: number, height: number): number {
  let best = { tiles: 1, scale: 0 };
  for (let cols = 1; cols <= LLAMA_MAX_TILES; cols++) {
    for (let rows = 1; cols * rows <= LLAMA_MAX_TILES; rows++) {
      const scale = Math.min((cols * LLAMA_TILE) / width, (rows * LLAMA_TILE) / height);
      // Prefer the canvas that needs the least downscaling, then the fewest tiles at no upscaling.
      const effective = Math.min(scale, 1);
      if (effective > best.scale || (effective === best.scale && cols * rows < best.tiles)) {
        best = { tiles: cols * rows, scale: effective };
      }
    }
  }
  return best.tiles;
}

const OPENAI: VisionProfile = {
  name: "openai",
  source: "OpenAI vision fine-tuning guide (gpt-4o-2024-08-06)",
  maxImagesPerExample: 10,
  maxExamplesWithImages: 50_000,
  maxTokensPerExample: 65_536,
  minExamples: 10,
  maxImageBytes: 10 * 1024 * 1024,
  usdPerMillionTokens: 25,
  imageTokens: openaiImageTokens,
  sizeProblem: () => null,
  honoursDetail: true,
};

/** The sequence length of the LoRA recipes in training bundles (src/training/recipes.ts). */
export const RECIPE_SEQUENCE_LEN = 8192;

/** What the open-weight profiles share: the bundle recipes' sequence length, no per-token price. */
const OPEN_WEIGHT = {
  maxExamplesWithImages: Number.MAX_SAFE_INTEGER,
  maxTokensPerExample: RECIPE_SEQUENCE_LEN,
  minExamples: 1,
  maxImageBytes: 20 * 1024 * 1024,
  usdPerMillionTokens: null,
  sizeProblem: () => null,
  honoursDetail: false,
} as const;

const PROFILES: Record<VisionProfileName, VisionProfile> = {
  openai: OPENAI,
  "azure-openai": {
    ...OPENAI,
    name: "azure-openai",
    source: "Azure OpenAI fine-tuning how-to (vision: up to 64 images per example, 10 MB each)",
    maxImagesPerExample: 64,
  },
  "qwen2.5-vl": {
    name: "qwen2.5-vl",
    source: "Qwen2.5-VL image processor (smart_resize, 28-pixel patches merged 2×2)",
    maxImagesPerExample: 16,
    ...OPEN_WEIGHT,
    imageTokens: (w, h) => {
      const r = qwenResize(w, h);
      // One token per 2×2 group of 14-pixel patches, plus <|vision_start|> and <|vision_end|>.
      return (r.width / QWEN_PATCH) * (r.height / QWEN_PATCH) + 2;
    },
    sizeProblem: (w, h) =>
      Math.max(w, h) / Math.min(w, h) > 200
        ? `is ${w}×${h}; Qwen2.5-VL refuses images whose aspect ratio exceeds 200:1. Crop or pad it`
        : null,
  },
  "llama-3.2-vision": {
    name: "llama-3.2-vision",
    source: "Llama 3.2 Vision image processor (560-pixel tiles, at most 4; one image per prompt)",
    maxImagesPerExample: 1,
    ...OPEN_WEIGHT,
    imageTokens: (w, h) => llamaTiles(w, h) * LLAMA_TOKENS_PER_TILE,
  },
  "gemma-3": {
    name: "gemma-3",
    source: "Gemma 3 image processor (resized to 896×896, 256 tokens per image)",
    maxImagesPerExample: 16,
    ...OPEN_WEIGHT,
    imageTokens: () => 256,
  },
};

export function visionProfile(name: VisionProfileName): VisionProfile {
  return PROFILES[name];
}

/** The profile that fits a base model's name, for jobs that name a model and no profile. */
export function profileForModel(model: string): VisionProfileName {
  const id = model.toLowerCase().split("/").pop() ?? "";
  if (id.includes("qwen2.5-vl") || id.includes("qwen2-vl")) return "qwen2.5-vl";
  if (id.includes("llama-3.2") && id.includes("vision")) return "llama-3.2-vision";
  if (id.startsWith("gemma-3")) return "gemma-3";
  return "openai";
}

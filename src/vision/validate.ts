/**
 * Vision dataset validation: one report per example (errors and warnings naming the path, e.g.
 * `messages[1].content[2]`), a token and cost estimate, and dataset-level rules in the summary.
 * @see docs/openai-reference.md E
 */
import { validateExample } from "../datasets/examples";
import { checkImage, type ImageResult, type Issue, limiter } from "./image-check";
import { detailOf, type ImagePart, imageParts, textChars, withoutImages } from "./parts";
import { type VisionProfile, visionProfile } from "./profiles";
import type { VisionLimits } from "./settings";
import type { ImageStore } from "./store";
import { textTokens, trainingCostUsd } from "./tokens";

export interface ExampleReport {
  /** 0-based position of the example. */
  index: number;
  valid: boolean;
  errors: Issue[];
  warnings: Issue[];
  images: number;
  estimated_tokens: number;
  /** Null when the profile's trainer is not priced per token. */
  estimated_cost_usd: number | null;
}

export interface VisionSummary {
  /** The trainer whose rules were applied. */
  profile: string;
  examples: number;
  valid_examples: number;
  invalid_examples: number;
  examples_with_images: number;
  images: number;
  unique_images: number;
  estimated_tokens: number;
  estimated_cost_usd: number | null;
  errors: Issue[];
}

/** Image downloads in flight at once. */
const FETCH_SLOTS = 6;

/** Checks examples in order, remembering images across calls (one instance per validation run). */
export class VisionValidator {
  private readonly results = new Map<string, Promise<ImageResult>>();
  /** First place each stored image was seen: `examples[3].messages[1].content[0]`. */
  private readonly seen = new Map<string, string>();
  private readonly run = limiter(FETCH_SLOTS);
  private readonly reports: Omit<ExampleReport, "errors" | "warnings">[] = [];
  /** URLs this run loaded itself (not known beforehand), for the check cache. */
  private readonly checked: string[] = [];
  private withImages = 0;
  private images = 0;
  private readonly profile: VisionProfile;

  /** `known`: results remembered from earlier checks, reused instead of loading the image again. */
  constructor(
    private readonly limits: VisionLimits,
    private readonly store: ImageStore,
    private readonly known: ReadonlyMap<string, ImageResult> = new Map(),
  ) {
    this.profile = visionProfile(limits.profile);
  }

  private cost(tokens: number): number | null {
    const price = this.profile.usdPerMillionTokens;
    return price === null ? null : trainingCostUsd(tokens, price);
  }

  /** The result of a URL already checked in this run. */
  resultOf(url: string): Promise<ImageResult> | undefined {
    return this.results.get(url);
  }

  /** The stored image behind a URL already checked in this run, if it was acceptable. */
  async shaOf(url: string): Promise<string | null> {
    const result = await this.results.get(url);
    return result?.ok ? result.sha : null;
  }

  /** Results of the images this run loaded itself, to remember (`saveChecks`). */
  async freshResults(): Promise<[string, ImageResult][]> {
    return Promise.all(
      this.checked.map(async (url): Promise<[string, ImageResult]> => [url, await this.image(url)]),
    );
  }

  private image(url: string): Promise<ImageResult> {
    let result = this.results.get(url);
    if (!result) {
      const known = this.known.get(url);
      if (known) result = Promise.resolve(known);
      else {
        result = this.run(() => checkImage(url, this.limits, this.store));
        this.checked.push(url);
      }
      this.results.set(url, result);
    }
    return result;
  }

  /** Reports for a batch of examples; images load concurrently, duplicates are judged in order. */
  async check(values: readonly unknown[], firstIndex: number): Promise<ExampleReport[]> {
    const loads = values.map((v) => this.loadAll(imageParts(v)));
    const reports: ExampleReport[] = [];
    for (const [i, value] of values.entries()) {
      reports.push(this.report(value, firstIndex + i, await (loads[i] ?? Promise.resolve([]))));
    }
    return reports;
  }

  private loadAll(parts: ImagePart[]): Promise<(ImageResult | null)[]> {
    return Promise.all(
      parts.map((p, n) =>
        p.role === "user" && typeof p.url === "string" && n < this.limits.maxImagesPerExample
          ? this.image(p.url)
          : Promise.resolve(null),
      ),
    );
  }

  private report(value: unknown, index: number, results: (ImageResult | null)[]): ExampleReport {
    const errors: Issue[] = [];
    const warnings: Issue[] = [];
    const structural = validateExample(withoutImages(value), "chat", index + 1);
    if (structural)
      errors.push({ path: structural.field, code: "invalid_example", message: structural.message });
    const parts = imageParts(value);
    let tokens = textTokens(textChars(value));
    parts.forEach((part, n) => {
      tokens += this.checkPart(part, n, parts.length, results[n] ?? null, index, { errors, warnings });
    });
    if (tokens > this.limits.maxTokensPerExample) {
      errors.push({
        path: "",
        code: "example_too_long",
        message: `the example is about ${tokens} training tokens (images counted from their size and detail), more than the ${this.limits.maxTokensPerExample} allowed; use detail 'low', fewer or smaller images, or shorter text`,
      });
    }
    if (parts.length > 0) this.withImages++;
    this.images += parts.length;
    const base = { index, valid: errors.length === 0, images: parts.length, estimated_tokens: tokens };
    const summary = { ...base, estimated_cost_usd: this.cost(tokens) };
    this.reports.push(summary);
    return { ...summary, errors, warnings };
  }

  /** Errors and warnings of one image part; returns its training tokens. */
  private checkPart(
    part: ImagePart,
    n: number,
    count: number,
    result: ImageResult | null,
    index: number,
    out: { errors: Issue[]; warnings: Issue[] },
  ): number {
    const issue = (code: string, message: string): number => {
      out.errors.push({ path: part.path, code, message });
      return 0;
    };
    const detail = detailOf(part.detail);
    if (part.role !== "user")
      return issue("image_not_in_user_message", "images are only allowed in user messages");
    if (n === this.limits.maxImagesPerExample) {
      const max = this.limits.maxImagesPerExample;
      issue("too_many_images", `at most ${max} images are allowed per example; this example has ${count}`);
    }
    if (typeof part.url !== "string") return issue("invalid_image_url", "image_url.url must be a string");
    if (detail === null) issue("invalid_detail", "image_url.detail must be 'auto', 'low' or 'high'");
    if (!result) return 0;
    if (!result.ok) return issue(result.code, `the image ${result.message}`);
    // A check remembered from a profile that takes larger images still has to fit this one.
    if (result.bytes > this.limits.maxImageBytes)
      return issue(
        "too_large",
        `the image is ${result.bytes} bytes, larger than the ${this.limits.maxImageBytes} ${this.profile.name} accepts`,
      );
    const { width, height } = result.info;
    const size = this.profile.sizeProblem(width, height);
    if (size) return issue("image_size", `the image ${size}`);
    this.warnings(part, result, index, detail, out.warnings);
    return this.profile.imageTokens(width, height, detail ?? "auto");
  }

  private warnings(
    part: ImagePart,
    result: Extract<ImageResult, { ok: true }>,
    index: number,
    detail: string | null,
    warnings: Issue[],
  ): void {
    const here = `examples[${index}].${part.path}`;
    const first = this.seen.get(result.sha);
    if (first) {
      warnings.push({
        path: part.path,
        code: "duplicate_image",
        message: `the same image (sha256 ${result.sha.slice(0, 12)}…) is already at ${first}; it is stored once`,
      });
    } else this.seen.set(result.sha, here);
    const { width, height } = result.info;
    if (this.profile.honoursDetail && detail !== "low" && Math.max(width, height) > 2048) {
      warnings.push({
        path: part.path,
        code: "image_downscaled",
        message: `the image is ${width}×${height}; it will be scaled to fit 2048×2048 (detail 'low' trains on 512×512 for 85 tokens)`,
      });
    }
  }

  /** Totals and the dataset-level rules, once every example has been checked (`existing`: stored examples). */
  summary(existing = 0): VisionSummary {
    const valid = this.reports.filter((r) => r.valid).length;
    const tokens = this.reports.reduce((n, r) => n + r.estimated_tokens, 0);
    const errors: Issue[] = [];
    const size = this.reports.length + existing;
    if (size < this.limits.minExamples) {
      errors.push({
        path: "",
        code: "too_few_examples",
        message: `a fine-tuning file needs at least ${this.limits.minExamples} examples; the dataset would have ${size}`,
      });
    }
    if (this.withImages > this.limits.maxExamplesWithImages) {
      errors.push({
        path: "",
        code: "too_many_examples_with_images",
        message: `at most ${this.limits.maxExamplesWithImages} examples with images are allowed per training file; there are ${this.withImages}`,
      });
    }
    return {
      profile: this.profile.name,
      examples: this.reports.length,
      valid_examples: valid,
      invalid_examples: this.reports.length - valid,
      examples_with_images: this.withImages,
      images: this.images,
      unique_images: this.seen.size,
      estimated_tokens: tokens,
      estimated_cost_usd: this.cost(tokens),
      errors,
    };
  }
}

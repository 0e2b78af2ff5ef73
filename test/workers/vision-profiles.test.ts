import { describe, expect, it } from "vitest";
import { createTenant, errorOf, gw, jsonInit } from "./helpers/gateway";
import { auth, createVisionDataset, img, validate, visionExample } from "./helpers/vision";
import { dataUrl, png } from "./helpers/vision-images";

/** Text tokens of `visionExample`: 31 characters of text at 4 per token. */
const TEXT = 8;

async function setup(vision: Record<string, unknown> = {}, profile?: string) {
  const { key } = await createTenant({ vision: { allow_private_image_hosts: true, ...vision } });
  return { key, ds: await createVisionDataset(key, undefined, profile) };
}

/** An example with `n` distinct small images (data URLs, so nothing is downloaded). */
const withImages = (n: number) =>
  visionExample(Array.from({ length: n }, (_, i) => dataUrl(png(8, 8, "rgb", i + 1))));

const verdicts = (r: { examples: { valid: boolean }[] }) => r.examples.map((e) => e.valid);
const codes = (r: { examples: { errors: { code: string }[] }[] }) =>
  r.examples.map((e) => e.errors.map((x) => x.code));

describe("vision validation profiles", () => {
  it("gives the same examples different verdicts under two trainers' rules", async () => {
    const { key, ds } = await setup();
    const examples = [withImages(2), withImages(12)];
    const openai = await validate(key, ds, examples, "openai");
    const llama = await validate(key, ds, examples, "llama-3.2-vision");
    const azure = await validate(key, ds, examples, "azure-openai");
    expect(openai.summary.profile).toBe("openai");
    expect(verdicts(openai)).toEqual([true, false]);
    expect(codes(openai)[1]).toEqual(["too_many_images"]);
    expect(openai.examples[1]?.errors[0]?.message).toMatch(/at most 10 images/);
    // Llama 3.2 Vision takes one image per prompt.
    expect(llama.summary.profile).toBe("llama-3.2-vision");
    expect(verdicts(llama)).toEqual([false, false]);
    expect(llama.examples[0]?.errors[0]?.message).toMatch(/at most 1 images/);
    // Azure OpenAI takes 64.
    expect(verdicts(azure)).toEqual([true, true]);
  });

  it("counts an image's training tokens by each trainer's own rule, priced only where training is per token", async () => {
    const { key, ds } = await setup();
    const example = [visionExample([img("rgb.jpg")])];
    const tokens: Record<string, number | undefined> = {};
    const costs: Record<string, number | null | undefined> = {};
    for (const profile of ["openai", "qwen2.5-vl", "llama-3.2-vision", "gemma-3"]) {
      const report = await validate(key, ds, example, profile);
      tokens[profile] = report.examples[0]?.estimated_tokens;
      costs[profile] = report.summary.estimated_cost_usd;
    }
    // 1024×768. OpenAI: 2×2 tiles of 512 → 85 + 4×170. Qwen2.5-VL: resized to 1036×756 → 37×27
    // merged patches + 2 markers. Llama 3.2 Vision: a 2×2 canvas of 560 px tiles × 1,601. Gemma 3: 256.
    expect(tokens).toEqual({
      openai: 765 + TEXT,
      "qwen2.5-vl": 37 * 27 + 2 + TEXT,
      "llama-3.2-vision": 4 * 1601 + TEXT,
      "gemma-3": 256 + TEXT,
    });
    expect(costs.openai).toBeCloseTo(((765 + TEXT) / 1e6) * 25, 6);
    expect(costs["qwen2.5-vl"]).toBeNull();
  });

  it("refuses an image Qwen2.5-VL cannot take (aspect ratio over 200:1) that OpenAI accepts", async () => {
    const { key, ds } = await setup();
    const example = [visionExample([dataUrl(png(1000, 4))])];
    const openai = await validate(key, ds, example, "openai");
    const qwen = await validate(key, ds, example, "qwen2.5-vl");
    expect(verdicts(openai)).toEqual([true]);
    expect(codes(qwen)).toEqual([["image_size"]]);
    expect(qwen.examples[0]?.errors[0]?.message).toMatch(/aspect ratio exceeds 200:1/);
  });

  it("uses the dataset's profile when the request names none, and holds added examples to it", async () => {
    const { key, ds } = await setup({}, "llama-3.2-vision");
    const res = await gw(`/v1/datasets/${ds}`, { headers: auth(key) });
    expect(((await res.json()) as { vision_profile: string }).vision_profile).toBe("llama-3.2-vision");
    const report = await validate(key, ds, [withImages(2)]);
    expect(report.summary.profile).toBe("llama-3.2-vision");
    expect(verdicts(report)).toEqual([false]);
    const added = await gw(
      `/v1/datasets/${ds}/examples`,
      jsonInit("POST", { examples: [withImages(2)] }, auth(key)),
    );
    expect(added.status).toBe(400);
    expect((await errorOf(added)).message).toMatch(/images/);
  });

  it("takes the tenant's default profile, refined by its own limits only when no profile is named", async () => {
    const { key, ds } = await setup({ profile: "azure-openai", max_images_per_example: 20 });
    const byDefault = await validate(key, ds, [withImages(12), withImages(30)]);
    expect(byDefault.summary.profile).toBe("azure-openai");
    expect(verdicts(byDefault)).toEqual([true, false]);
    // Naming a profile applies its own rules, not the tenant's refinements (Azure: 64).
    const named = await validate(key, ds, [withImages(12), withImages(30)], "azure-openai");
    expect(verdicts(named)).toEqual([true, true]);
  });

  it("refuses an unknown profile and a profile on a chat dataset with errors naming the parameter", async () => {
    const { key, ds } = await setup();
    const unknown = await gw(
      `/v1/datasets/${ds}/validate?profile=llava`,
      jsonInit("POST", { examples: [] }, auth(key)),
    );
    expect(unknown.status).toBe(400);
    expect(await errorOf(unknown)).toMatchObject({ param: "profile" });
    const chat = await gw(
      "/v1/datasets",
      jsonInit("POST", { name: "text", kind: "chat", vision_profile: "gemma-3" }, auth(key)),
    );
    expect(chat.status).toBe(400);
    expect(await errorOf(chat)).toMatchObject({ param: "vision_profile", code: "invalid_value" });
  });
});

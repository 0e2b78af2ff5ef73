import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createTenant, errorOf, gw, jsonInit } from "./helpers/gateway";
import { auth, createVisionDataset, img, validate, validateOne, visionExample } from "./helpers/vision";
import { dataUrl, gif, png } from "./helpers/vision-images";

/** Text tokens of `visionExample`: 31 characters of text at 4 per token. */
const TEXT = 8;

async function setup(vision: Record<string, unknown> = {}) {
  const { key, id } = await createTenant({ vision: { allow_private_image_hosts: true, ...vision } });
  return { key, tenant: id, ds: await createVisionDataset(key) };
}

const codes = (r: { errors: { code: string }[] }) => r.errors.map((e) => e.code);

describe("vision validation report", () => {
  it("accepts PNG, JPEG and WEBP read from the bytes (the server's content type is wrong on purpose)", async () => {
    const { key, ds } = await setup();
    const names = ["rgb.png", "rgba.png", "rgb.jpg", "lossy.webp", "lossless.webp", "alpha.webp"];
    const report = await validate(
      key,
      ds,
      names.map((n) => visionExample([img(n)])),
    );
    for (const ex of report.examples) expect(ex).toMatchObject({ valid: true, errors: [], images: 1 });
    expect(report.summary).toMatchObject({ examples: 6, valid_examples: 6, images: 6, unique_images: 6 });
  });

  it("names CMYK, grayscale and palette images with how to fix them", async () => {
    const { key, ds } = await setup();
    const names = ["cmyk.jpg", "gray.jpg", "gray.png", "palette.png"];
    const report = await validate(
      key,
      ds,
      names.map((n) => visionExample([img(n)])),
    );
    const found = report.examples.map((e) => e.errors[0]);
    expect(found.map((e) => e?.code)).toEqual([
      "image_cmyk",
      "image_grayscale",
      "image_grayscale",
      "image_palette",
    ]);
    expect(found.map((e) => e?.path)).toEqual(Array(4).fill("messages[0].content[1]"));
    expect(found[0]?.message).toMatch(/CMYK JPEG.*Convert it to sRGB/);
    expect(found[3]?.message).toMatch(/palette.*Convert/);
  });

  it("refuses GIF and truncated files whatever their URL or data URL type claims", async () => {
    const { key, ds } = await setup();
    const report = await validate(key, ds, [
      visionExample([img("anim.gif")]),
      visionExample([dataUrl(gif(4, 4), "image/png")]),
      visionExample([img("truncated.png")]),
    ]);
    expect(report.examples.map((e) => codes(e))).toEqual([
      ["image_format"],
      ["image_format"],
      ["image_truncated"],
    ]);
    expect(report.examples[0]?.errors[0]?.message).toMatch(/GIF/);
    expect(report.valid).toBe(false);
  });

  it("cuts off images over the size cap while downloading, and data URLs over it", async () => {
    const { key, ds } = await setup({ fetch_timeout_ms: 10_000 });
    const report = await validate(key, ds, [
      visionExample([img("big.png")]),
      visionExample([`${img("").replace("/img/", "")}/stream-big`]),
    ]);
    expect(report.examples.map((e) => codes(e))).toEqual([["image_too_large"], ["image_too_large"]]);
    const small = await setup({ max_image_bytes: 1_000 });
    const ex = await validateOne(small.key, small.ds, visionExample([dataUrl(png(40, 40))]));
    expect(codes(ex)).toEqual(["image_too_large"]);
  });

  it("reads huge dimensions from the header and estimates tokens by detail", async () => {
    const { key, ds } = await setup();
    const report = await validate(key, ds, [
      visionExample([img("huge.png")], "high"),
      visionExample([img("huge.png")], "low"),
      visionExample([img("rgb.jpg")]),
    ]);
    const [high, low, auto] = report.examples;
    // 40000×30000 → 2048×1536 → 1024×768: 2×2 tiles → 85 + 4×170 = 765 image tokens.
    expect(high?.estimated_tokens).toBe(765 + TEXT);
    expect(high?.warnings.map((w) => w.code)).toContain("image_downscaled");
    expect(low?.estimated_tokens).toBe(85 + TEXT);
    expect(low?.warnings.map((w) => w.code)).not.toContain("image_downscaled");
    // 1024×768 stays (shortest side 768): 2×2 tiles.
    expect(auto?.estimated_tokens).toBe(765 + TEXT);
    expect(auto?.estimated_cost_usd).toBeCloseTo(((765 + TEXT) / 1e6) * 25, 6);
    expect(report.summary.estimated_tokens).toBe(2 * (765 + TEXT) + 85 + TEXT);
  });

  it("allows images only in user messages and caps images per example (a tenant setting)", async () => {
    const { key, ds } = await setup({ max_images_per_example: 2 });
    const inAssistant = {
      messages: [
        { role: "user", content: "Draw it" },
        { role: "assistant", content: [{ type: "image_url", image_url: { url: img("rgb.png") } }] },
      ],
    };
    const report = await validate(key, ds, [
      inAssistant,
      visionExample([img("rgb.png"), img("rgba.png"), img("rgb.jpg")]),
      visionExample([img("rgb.png")], "medium" as "low"),
    ]);
    expect(report.examples[0]?.errors).toContainEqual(
      expect.objectContaining({ path: "messages[1].content[0]", code: "image_not_in_user_message" }),
    );
    expect(report.examples[1]?.errors).toEqual([
      expect.objectContaining({ path: "messages[0].content[3]", code: "too_many_images" }),
    ]);
    expect(codes(report.examples[2] ?? { errors: [] })).toEqual(["invalid_detail"]);
  });

  it("stores examples with as many images as the tenant's provider allows (OpenAI 10, Azure 64)", async () => {
    const eleven = visionExample(Array.from({ length: 11 }, (_, i) => `https://images.example/${i}.png`));
    const add = async (vision: Record<string, unknown>) => {
      const { key } = await createTenant({ vision });
      const ds = await createVisionDataset(key);
      return gw(`/v1/datasets/${ds}/examples`, jsonInit("POST", { examples: [eleven] }, auth(key)));
    };
    const openai = await add({});
    expect(openai.status).toBe(400);
    expect(await errorOf(openai)).toMatchObject({
      param: "messages[0].content[11]",
      code: "invalid_example",
    });
    expect((await add({ max_images_per_example: 64 })).status).toBe(200);
  });

  it("warns about duplicate images by content, stores each once in R2 (not KV) with its metadata", async () => {
    const { key, ds, tenant } = await setup();
    const bytes = png(64, 48, "rgb");
    const report = await validate(key, ds, [
      visionExample([img("rgb.png")]),
      visionExample([`${img("").replace("/img/", "")}/redirect/1/rgb.png`]),
      visionExample([dataUrl(bytes)]),
    ]);
    expect(report.examples[0]?.warnings).toEqual([]);
    expect(report.examples[1]?.warnings[0]).toMatchObject({
      code: "duplicate_image",
      path: "messages[0].content[1]",
    });
    expect(report.examples[2]?.warnings[0]?.message).toMatch(/examples\[0\]\.messages\[0\]\.content\[1\]/);
    expect(report.summary).toMatchObject({ images: 3, unique_images: 1 });
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    const sha = [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
    const stored = await env.BLOBS.get(`img/${tenant}/${sha}`);
    expect(new Uint8Array((await stored?.arrayBuffer()) ?? new ArrayBuffer(0))).toEqual(bytes);
    expect(stored?.customMetadata).toEqual({
      format: "png",
      width: "64",
      height: "48",
      bytes: `${bytes.byteLength}`,
    });
    expect(stored?.httpMetadata?.contentType).toBe("image/png");
    expect(await env.CACHE.get(`img:${tenant}:${sha}`)).toBeNull();
  });

  it("applies the dataset minimum and the examples-with-images limit in the summary", async () => {
    const { key, ds } = await setup({ max_examples_with_images: 2 });
    const report = await validate(
      key,
      ds,
      [1, 2, 3].map(() => visionExample([img("rgb.png")])),
    );
    expect(report.summary.errors.map((e) => e.code)).toEqual([
      "too_few_examples",
      "too_many_examples_with_images",
    ]);
    expect(report.valid).toBe(false);
    const text = {
      messages: [
        { role: "user", content: "hi" },
        { role: "assistant", content: "hello" },
      ],
    };
    const ten = await validate(key, ds, [visionExample([img("rgb.png")]), ...Array(9).fill(text)]);
    expect(ten.summary.errors).toEqual([]);
    expect(ten.summary.examples_with_images).toBe(1);
    expect(ten.valid).toBe(true);
  });

  it("reports structural problems of the line with their path", async () => {
    const { key, ds } = await setup();
    const ex = await validateOne(key, ds, {
      messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: img("rgb.png") } }] }],
    });
    expect(ex.errors).toEqual([
      expect.objectContaining({ path: "messages[0].role", code: "invalid_example" }),
    ]);
  });

  it("refuses unknown keys in the vision settings", async () => {
    await expect(createTenant({ vision: { allow_private_hosts: true } })).rejects.toThrow(/tenant: 400/);
  });
});

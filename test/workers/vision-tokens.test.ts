import { describe, expect, it } from "vitest";
import { createTenant, errorOf, gw, jsonInit } from "./helpers/gateway";
import { auth, createVisionDataset, img, validate, visionExample } from "./helpers/vision";

/** Text tokens of `visionExample` with the default answer: 31 characters at 4 per token. */
const TEXT = 8;

describe("vision training-token limits", () => {
  it("refuses an example over the per-example token limit, counting images from their size and detail", async () => {
    // rgb.jpg is 1024×768: 2×2 tiles at high detail (765 tokens), a flat 85 at low detail.
    const { key } = await createTenant({
      vision: { allow_private_image_hosts: true, max_tokens_per_example: 765 + TEXT - 1 },
    });
    const ds = await createVisionDataset(key);
    const report = await validate(key, ds, [
      visionExample([img("rgb.jpg")], "high"),
      visionExample([img("rgb.jpg")], "low"),
    ]);
    const [high, low] = report.examples;
    expect(high).toMatchObject({ valid: false, estimated_tokens: 765 + TEXT });
    expect(high?.errors).toEqual([expect.objectContaining({ path: "", code: "example_too_long" })]);
    expect(high?.errors[0]?.message).toMatch(
      /about 773 training tokens.*more than the 772 allowed.*detail 'low'/,
    );
    expect(low).toMatchObject({ valid: true, estimated_tokens: 85 + TEXT, errors: [] });
  });

  it("refuses a fine-tuning job whose vision example is over the token limit, with the report", async () => {
    const { key } = await createTenant({
      vision: { allow_private_image_hosts: true, max_tokens_per_example: 500 },
    });
    const id = await createVisionDataset(key, 0);
    const examples = [
      ...Array.from({ length: 10 }, (_, i) => visionExample([img("rgb.jpg")], "low", `small ${i}`)),
      visionExample([img("rgb.jpg")], "high", "too long"),
    ];
    expect((await gw(`/v1/datasets/${id}/examples`, jsonInit("POST", { examples }, auth(key)))).status).toBe(
      200,
    );
    const res = await gw(`/v1/datasets/${id}/fine_tuning_jobs`, jsonInit("POST", {}, auth(key)));
    expect(res.status).toBe(422);
    const body = (await res.clone().json()) as {
      report: { examples: { index: number; errors: { code: string }[] }[] };
    };
    expect(await errorOf(res)).toMatchObject({ code: "invalid_dataset", param: "dataset_id" });
    expect(body.report.examples).toEqual([
      expect.objectContaining({ index: 10, errors: [expect.objectContaining({ code: "example_too_long" })] }),
    ]);
  });
});

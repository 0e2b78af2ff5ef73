import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { withBody } from "../../src/datasets/completion-bodies";
import type { CompletionRow } from "../../src/datasets/completions-repository";
import { hydrateRequest } from "../../src/vision/captured";
import { imageStore } from "../../src/vision/store";
import { createTenant, gw, jsonInit, sdk } from "./helpers/gateway";
import { auth, createVisionDataset, validate, visionExample } from "./helpers/vision";
import { dataUrl, png } from "./helpers/vision-images";

async function storedRequest(id: string): Promise<string | null> {
  const deadline = Date.now() + 3_000;
  for (;;) {
    const row = await env.DB.prepare("SELECT * FROM stored_completions WHERE id = ?")
      .bind(id)
      .first<CompletionRow>();
    // The body is in R2 (docs/storage.md): read it as the stored-completions API does.
    if (row || Date.now() > deadline) return row ? (await withBody(env, row)).request : null;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("captured vision completions", () => {
  it("keep images in the store by reference, read back and imported without repeating base64", async () => {
    const { key } = await createTenant({ vision: { allow_private_image_hosts: true } });
    const image = dataUrl(png(20, 20, "rgba", 7));
    const done = await sdk(key).chat.completions.create({
      model: "gpt-4o-mini",
      store: true,
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What colour is this?" },
            { type: "image_url", image_url: { url: image, detail: "low" } },
          ],
        },
      ],
    });
    const row = await storedRequest(done.id);
    expect(row).toMatch(/edgegate-image:sha256:[0-9a-f]{64}/);
    expect(row).not.toContain("base64");

    const messages = await gw(`/v1/chat/completions/${done.id}/messages`, { headers: auth(key) });
    const body = (await messages.json()) as { data: { content_parts: { image_url?: { url: string } }[] }[] };
    expect(body.data[0]?.content_parts[1]?.image_url?.url).toBe(image);

    const ds = await createVisionDataset(key);
    const imported = await gw(`/v1/datasets/${ds}/import`, jsonInit("POST", { filter: {} }, auth(key)));
    expect(await imported.json()).toMatchObject({ imported: 1 });
    const exported = await (
      await gw(`/v1/datasets/${ds}/export?images=inline`, { headers: auth(key) })
    ).text();
    expect(exported).toContain(image);
    const listed = await (await gw(`/v1/datasets/${ds}/examples`, { headers: auth(key) })).text();
    expect(listed).toContain("edgegate-image:sha256:");
    expect(listed).not.toContain("base64");

    // Another tenant that learns the hash cannot read the image through a reference.
    const ref = /edgegate-image:sha256:[0-9a-f]{64}/.exec(row ?? "")?.[0] ?? "";
    const other = await createTenant();
    const otherDs = await createVisionDataset(other.key);
    const example = visionExample([ref]);
    const report = await validate(other.key, otherDs, [example]);
    expect(report.examples[0]?.errors[0]).toMatchObject({ code: "image_fetch_failed" });
    expect(report.examples[0]?.errors[0]?.message).toMatch(/no longer exists/);
  });

  it("keep Responses API input_image data in the store by reference too, expanded back on read", async () => {
    const { key, id: tenant } = await createTenant();
    const image = dataUrl(png(18, 12, "rgb", 11));
    const input = [
      {
        role: "user" as const,
        content: [
          { type: "input_text" as const, text: "Describe this." },
          { type: "input_image" as const, image_url: image, detail: "low" as const },
        ],
      },
    ];
    const done = await sdk(key).responses.create({ model: "gpt-4o-mini", store: true, input });
    const row = await storedRequest(done.id);
    expect(row).toMatch(/"image_url":"edgegate-image:sha256:[0-9a-f]{64}"/);
    expect(row).not.toContain("base64");
    const restored = JSON.parse(await hydrateRequest(imageStore(env, tenant), row ?? "{}")) as {
      input: typeof input;
    };
    expect(restored.input).toEqual(input);
  });
});

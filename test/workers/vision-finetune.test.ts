import { describe, expect, it } from "vitest";
import { createTenant, errorOf, gw, jsonInit } from "./helpers/gateway";
import { simFetch } from "./helpers/sim";
import { auth, img, visionExample } from "./helpers/vision";

async function visionDataset(key: string, extra: unknown[] = []): Promise<string> {
  const res = await gw(
    "/v1/datasets",
    jsonInit("POST", { name: "v", kind: "vision", validation_ratio: 0 }, auth(key)),
  );
  const { id } = (await res.json()) as { id: string };
  const examples = [
    ...Array.from({ length: 10 }, (_, i) => visionExample([img("rgb.png")], "low", `label ${i}`)),
    ...extra,
  ];
  const added = await gw(`/v1/datasets/${id}/examples`, jsonInit("POST", { examples }, auth(key)));
  expect(added.status).toBe(200);
  return id;
}

const startJob = (key: string, id: string, body: Record<string, unknown> = {}) =>
  gw(`/v1/datasets/${id}/fine_tuning_jobs`, jsonInit("POST", body, auth(key)));

describe("fine-tuning from vision datasets", () => {
  it("defaults to gpt-4o-2024-08-06 and uploads the training file with images inline", async () => {
    const { key } = await createTenant({ vision: { allow_private_image_hosts: true } });
    const id = await visionDataset(key);
    const res = await startJob(key, id);
    expect(res.status).toBe(200);
    const job = (await res.json()) as { model: string; training_file: string };
    expect(job.model).toBe("gpt-4o-2024-08-06");
    const file = await simFetch(`/v1/files/${job.training_file}/content`, {
      headers: { authorization: "Bearer sk-sim-edgegate" },
    });
    const text = await file.text();
    expect(text.trim().split("\n")).toHaveLength(10);
    expect(text).toContain('"url":"data:image/png;base64,');
    expect(text).not.toContain("127.0.0.1");
  });

  it("refuses a job on an invalid vision dataset with the report, and needs a model for chat datasets", async () => {
    const { key } = await createTenant({ vision: { allow_private_image_hosts: true } });
    const id = await visionDataset(key, [visionExample([img("palette.png")], "low", "bad")]);
    const refused = await startJob(key, id);
    expect(refused.status).toBe(422);
    expect(await errorOf(refused)).toMatchObject({ code: "invalid_dataset" });
    const chat = (await (await gw("/v1/datasets", jsonInit("POST", { name: "c" }, auth(key)))).json()) as {
      id: string;
    };
    const noModel = await startJob(key, chat.id);
    expect(noModel.status).toBe(400);
    expect(await errorOf(noModel)).toMatchObject({ param: "model", code: "missing_required_parameter" });
  });
});

import { describe, expect, it } from "vitest";
import { gw } from "./helpers/gateway";

describe("distillation routes in the OpenAPI document", () => {
  it("lists every distillation route with its method", async () => {
    const doc = (await (await gw("/openapi.json")).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const expected: [string, string][] = [
      ["/v1/chat/completions", "get"],
      ["/v1/chat/completions/{completion_id}", "post"],
      ["/v1/chat/completions/{completion_id}/messages", "get"],
      ["/v1/chat/completions/{completion_id}/feedback", "post"],
      ["/v1/datasets", "post"],
      ["/v1/datasets/{dataset_id}/examples", "post"],
      ["/v1/datasets/{dataset_id}/import", "post"],
      ["/v1/datasets/{dataset_id}/export", "get"],
      ["/v1/datasets/{dataset_id}/fine_tuning_jobs", "post"],
      ["/v1/datasets/{dataset_id}/evals", "post"],
      ["/v1/datasets/{dataset_id}/evals", "get"],
      ["/v1/evals/{eval_id}", "get"],
      ["/v1/files", "post"],
      ["/v1/fine_tuning/jobs/{job_id}/events", "get"],
      ["/hooks/datasets/{dataset_id}", "post"],
      ["/hooks/openai", "post"],
      ["/admin/tenants/{id}/aliases/{alias}", "put"],
      ["/admin/tenants/{id}/aliases/{alias}/promote", "post"],
    ];
    for (const [path, method] of expected)
      expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    expect(doc.paths["/v1/chat/completions"]?.post).toBeDefined();
  });

  it("documents a refused vision export as OpenAI's error plus the validation report", async () => {
    type Schema = { $ref?: string; properties?: Record<string, unknown>; allOf?: Schema[] };
    const doc = (await (await gw("/openapi.json")).json()) as {
      components: { schemas: Record<string, Schema> };
    };
    const [base, extra] = doc.components.schemas.InvalidVisionDatasetError?.allOf ?? [];
    expect(base?.$ref).toBe("#/components/schemas/Error");
    expect(Object.keys(extra?.properties ?? {})).toEqual(["report"]);
    expect(Object.keys(doc.components.schemas.Error?.properties ?? {})).toEqual(["error"]);
  });
});

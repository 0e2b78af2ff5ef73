/**
 * Regression: tenant-supplied URLs reached the inside (host names were never resolved, tool
 * calls followed a 307 to a loopback "metadata" server and showed its secret). The same corpus is
 * refused for every URL kind: server tool registration, tool calls (direct and through redirects),
 * the fine-tuning base URL (when saved and at call time), LLM judge endpoints, and image URLs.
 */
import { env } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getUpstream } from "../../src/finetune/provider";
import { GatewayError } from "../../src/platform/errors";
import { callServerTool } from "../../src/realtime/tools/signed-tool-call";
import { loadImage } from "../../src/vision/fetch-image";
import { visionLimits } from "../../src/vision/settings";
import { auth } from "./helpers/finetune";
import { admin, createTenant, errorOf, gw, jsonInit } from "./helpers/gateway";
import {
  METADATA_SECRET,
  METADATA_URL,
  metadataHits,
  REDIRECT_CORPUS,
  type Refusal,
  URL_CORPUS,
  withRedirects,
} from "./helpers/outbound-corpus";

/** The error code an API answers for each kind of refusal. */
const API_CODE: Record<Refusal, string> = {
  invalid: "invalid_url",
  blocked: "url_not_allowed",
  unresolved: "url_not_allowed",
};

const PAYLOAD = {
  tenant: "t",
  user: "u",
  session_id: "s",
  call_id: "call_1",
  name: "probe",
  arguments: "{}",
};
const probeTool = (url: string) => ({
  name: "probe",
  description: "d",
  parameters: {},
  url,
  timeoutMs: 3_000,
});

describe("the outbound-URL corpus is refused", () => {
  describe("when a server tool is registered, even with ADMIN_TOKEN", () => {
    let tenantId = "";
    beforeAll(async () => {
      tenantId = (await createTenant()).id;
    });
    afterAll(async () => {
      const list = (await (await admin(`/tenants/${tenantId}/tools`)).json()) as { data: unknown[] };
      expect(list.data).toEqual([]);
    });
    it.each(URL_CORPUS)("refuses $url", async ({ url, refusal }) => {
      const res = await admin(`/tenants/${tenantId}/tools/probe`, "PUT", {
        description: "d",
        parameters: { type: "object" },
        url,
      });
      expect(res.status).toBe(400);
      const error = await errorOf(res);
      expect(error.param).toBe("url");
      // Schemes other than http(s) already fail the schema; everything else is the guard's.
      if (refusal !== "invalid") expect(error.code).toBe(API_CODE[refusal]);
    });
  });

  it("at every tool call, redirect hops included, with nothing from the target", async () => {
    const before = await metadataHits();
    for (const { url } of URL_CORPUS) {
      const result = await callServerTool(probeTool(url), null, PAYLOAD);
      expect(result.error, url).toMatch(/refused to call the tool's URL/);
      expect(result.output, url).not.toContain(METADATA_SECRET);
    }
    for (const url of REDIRECT_CORPUS) {
      const result = await withRedirects(() => callServerTool(probeTool(url), null, PAYLOAD));
      expect(result.error, url).toMatch(/refused to call the tool's URL: redirect \d refused/);
      expect(result.output, url).not.toContain(METADATA_SECRET);
      expect(result.output, url).not.toContain("redirecting");
    }
    expect(await metadataHits()).toBe(before);
  });

  describe("as the fine-tuning base_url when saved", () => {
    const param = "settings.distillation.fine_tuning.base_url";
    let tenantId = "";
    beforeAll(async () => {
      tenantId = (await createTenant()).id;
    });
    it.each(URL_CORPUS)("refuses $url", async ({ url, refusal }) => {
      const settings = { distillation: { fine_tuning: { base_url: url } } };
      const patched = await admin(`/tenants/${tenantId}`, "PATCH", { settings });
      expect(patched.status).toBe(400);
      // `z.url()` takes any scheme; the guard answers for all of them.
      expect(await errorOf(patched)).toMatchObject({ param, code: API_CODE[refusal] });
    });
    it("refuses it at tenant creation too", async () => {
      const created = await admin("/tenants", "POST", {
        name: "probe",
        settings: { distillation: { fine_tuning: { base_url: "http://127.0.0.1.nip.io/v1" } } },
      });
      expect(created.status).toBe(400);
      expect(await errorOf(created)).toMatchObject({ param, code: "url_not_allowed" });
    });
  });

  it("as the fine-tuning base_url at call time, and its redirects are not followed", async () => {
    const before = await metadataHits();
    for (const { url, refusal } of URL_CORPUS) {
      const error = await getUpstream(env, url, "/fine_tuning/jobs").catch((err: unknown) => err);
      expect(error, url).toBeInstanceOf(GatewayError);
      expect((error as GatewayError).code, url).toBe(API_CODE[refusal]);
    }
    for (const url of REDIRECT_CORPUS) {
      const error = await withRedirects(() => getUpstream(env, url, "/fine_tuning/jobs")).catch(
        (err: unknown) => err,
      );
      expect(error, url).toBeInstanceOf(GatewayError);
      expect((error as GatewayError).message, url).toContain("HTTP 307");
      expect((error as GatewayError).message, url).not.toContain(METADATA_SECRET);
    }
    expect(await metadataHits()).toBe(before);
  });

  describe("as an LLM judge endpoint: judges name a model, never a URL", () => {
    let key = "";
    let datasetId = "";
    beforeAll(async () => {
      key = (await createTenant()).key;
      const res = await gw("/v1/datasets", jsonInit("POST", { name: "judge-probe" }, auth(key)));
      datasetId = ((await res.json()) as { id: string }).id;
    });
    const probes = [
      ...URL_CORPUS.map(({ url }) => ({ field: "base_url", url })),
      { field: "url", url: METADATA_URL },
      { field: "endpoint", url: METADATA_URL },
    ];
    it.each(probes)("refuses $field=$url", async ({ field, url }) => {
      const grader = { type: "llm_judge", model: "gpt-4o", rubric: "r", [field]: url };
      const res = await gw(
        `/v1/datasets/${datasetId}/evals`,
        jsonInit("POST", { models: ["gpt-4o-mini", "gpt-4o"], grader }, auth(key)),
      );
      expect(res.status).toBe(400);
      expect((await errorOf(res)).message).toContain(field);
    });
  });

  it("as an image URL, redirect hops included", async () => {
    const limits = visionLimits(undefined, env);
    const before = await metadataHits();
    const imageCode: Record<Refusal, string> = {
      invalid: "unsupported_url",
      blocked: "blocked_host",
      unresolved: "unresolved_host",
    };
    for (const { url, refusal } of URL_CORPUS) {
      expect(await loadImage(url, limits), url).toMatchObject({ ok: false, code: imageCode[refusal] });
    }
    for (const url of REDIRECT_CORPUS) {
      const result = await withRedirects(() => loadImage(url, limits));
      expect(result, url).toMatchObject({ ok: false, code: "blocked_host" });
    }
    expect(await metadataHits()).toBe(before);
  });
});

/**
 * `GET /v1/images/:sha256?exp=&sig=`: stored images behind signed, expiring URLs (as written by
 * `images=url` exports). The signature is the only credential, so a provider can fetch them.
 */
import { z } from "@hono/zod-openapi";
import { timingSafeEqual } from "../identity/crypto";
import { foundOr, GatewayError } from "../platform/errors";
import { errorResponses } from "../platform/openapi";
import { routeKit } from "../platform/route-kit";
import { mimeOf } from "./image-info";
import { ImageParams, ImageQuery } from "./schemas";
import { getImage, imageSignature, imageStore } from "./store";

const { router: images, route } = routeKit({ tags: ["Datasets"] });

/** `/v1/images/{sha256}`: signed, expiring image URLs. */
export { images };

images.openapi(
  route({
    method: "get",
    path: "/{sha256}",
    summary: "A stored dataset image, by a signed expiring URL from an `images=url` export (no API key)",
    request: { params: ImageParams, query: ImageQuery },
    responses: {
      200: {
        description: "The image bytes, with their real content type",
        content: { "image/*": { schema: z.string().openapi({ format: "binary" }) } },
      },
      403: errorResponses[401],
      ...errorResponses,
    },
  }),
  async (c) => {
    const { sha256 } = c.req.valid("param");
    const { t, exp, sig } = c.req.valid("query");
    const now = Math.floor(Date.now() / 1000);
    const secret = c.env.TOKEN_SECRET ?? "";
    const good = secret !== "" && (await timingSafeEqual(sig, await imageSignature(secret, t, sha256, exp)));
    if (!good || exp < now) {
      const why = good ? "has expired" : "has an invalid signature";
      throw new GatewayError(403, `This image URL ${why}; export the dataset again for fresh links.`, {
        param: "sig",
        code: good ? "url_expired" : "invalid_signature",
      });
    }
    const image = foundOr(await getImage(imageStore(c.env, t), sha256), "stored image", sha256, {
      param: "sha256",
    });
    return c.body(image.bytes, 200, {
      "content-type": mimeOf(image.meta.format),
      "cache-control": `private, max-age=${Math.max(0, exp - now)}`,
      "x-content-type-options": "nosniff",
    });
  },
);

import { foundOr } from "../platform/errors";
import { routeKit } from "../platform/route-kit";
import { assertSignedUrl, signedDownloadHeaders, signedDownloadResponses } from "../platform/signed-url";
import { mimeOf } from "./image-info";
import { ImageParams, ImageQuery } from "./schemas";
import { getImage, imageScope, imageStore } from "./store";

const { router: images, add } = routeKit({ tags: ["Datasets"] });

/** `/v1/images/{sha256}`: signed, expiring image URLs. */
export { images };

add(
  {
    method: "get",
    path: "/{sha256}",
    summary: "A stored dataset image, by a signed expiring URL from an `images=url` export (no API key)",
    request: { params: ImageParams, query: ImageQuery },
    responses: signedDownloadResponses("image/*", "The image bytes, with their real content type"),
  },
  async (c, { param: { sha256 }, query: { t, exp, sig } }) => {
    const now = Math.floor(Date.now() / 1000);
    await assertSignedUrl(c.env.TOKEN_SECRET ?? "", imageScope(t, sha256), exp, sig, now, {
      what: "image URL",
      refresh: "export the dataset again for fresh links.",
    });
    const image = foundOr(await getImage(imageStore(c.env, t), sha256), "stored image", sha256, {
      param: "sha256",
    });
    return c.body(image.bytes, 200, signedDownloadHeaders(mimeOf(image.meta.format), exp, now));
  },
);

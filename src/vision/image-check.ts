/**
 * One image, loaded once per validation run: fetched or decoded, its header read, stored by
 * SHA-256 when acceptable, and turned into errors and warnings with how to fix them.
 */
import { IMAGE_REF_PREFIX } from "./captured";
import { type Loaded, type LoadFailure, loadImage } from "./fetch-image";
import { type ColourMode, type ImageInfo, readImageInfo } from "./image-info";
import type { VisionLimits } from "./settings";
import { getImage, type ImageStore, putImage, sha256Bytes } from "./store";

export interface Issue {
  path: string;
  code: string;
  message: string;
}

export type ImageResult =
  | { ok: true; sha: string; info: ImageInfo; bytes: number }
  | { ok: false; code: string; message: string };

const MODE_FIX: Partial<Record<ColourMode, { code: string; message: string }>> = {
  cmyk: {
    code: "image_cmyk",
    message:
      "is a CMYK JPEG; only RGB or RGBA images are accepted. Convert it to sRGB, e.g. `magick in.jpg -colorspace sRGB out.jpg`",
  },
  ycck: {
    code: "image_cmyk",
    message:
      "is a YCCK (Adobe CMYK) JPEG; only RGB or RGBA images are accepted. Convert it to sRGB, e.g. `magick in.jpg -colorspace sRGB out.jpg`",
  },
  grayscale: {
    code: "image_grayscale",
    message:
      "is a grayscale image; only RGB or RGBA images are accepted. Convert it to RGB, e.g. `magick in.png -type TrueColor out.png`",
  },
  grayscale_alpha: {
    code: "image_grayscale",
    message:
      "is a grayscale image with alpha; only RGB or RGBA images are accepted. Convert it to RGBA, e.g. `magick in.png -type TrueColorAlpha out.png`",
  },
  palette: {
    code: "image_palette",
    message:
      "is a palette (indexed-colour) image; only RGB or RGBA images are accepted. Convert it, e.g. `magick in.png -type TrueColorAlpha PNG32:out.png`",
  },
};

function headerProblem(problem: "truncated" | "corrupt" | "unsupported", format: string): ImageResult {
  if (problem === "unsupported") {
    const what = format === "unknown" ? "not a recognised image" : `a ${format.toUpperCase()} image`;
    return {
      ok: false,
      code: "image_format",
      message: `is ${what}; only JPEG, PNG and WEBP are accepted (the format is read from the bytes, not the name). Convert it to PNG or JPEG`,
    };
  }
  const what =
    problem === "truncated" ? "is truncated (the file ends inside its header)" : "has a corrupt header";
  return {
    ok: false,
    code: `image_${problem}`,
    message: `${what}; re-export the ${format.toUpperCase()} file`,
  };
}

/** The bytes behind an `edgegate-image:` reference (an image captured from traffic). */
async function loadStored(
  store: ImageStore,
  url: string,
  limits: VisionLimits,
): Promise<Loaded | LoadFailure> {
  const image = await getImage(store, url.slice(IMAGE_REF_PREFIX.length));
  if (!image)
    return { ok: false, code: "fetch_failed", message: "refers to a stored image that no longer exists" };
  if (image.bytes.byteLength > limits.maxImageBytes) {
    return { ok: false, code: "too_large", message: `is larger than ${limits.maxImageBytes} bytes` };
  }
  return { ok: true, bytes: new Uint8Array(image.bytes) };
}

/** Loads and checks one image URL; acceptable images are stored once in KV. */
export async function checkImage(url: string, limits: VisionLimits, store: ImageStore): Promise<ImageResult> {
  const loaded = url.startsWith(IMAGE_REF_PREFIX)
    ? await loadStored(store, url, limits)
    : await loadImage(url, limits);
  if (!loaded.ok) return { ok: false, code: `image_${loaded.code}`, message: loaded.message };
  const info = readImageInfo(loaded.bytes);
  if ("problem" in info) return headerProblem(info.problem, info.format);
  const fix = MODE_FIX[info.mode];
  if (fix) return { ok: false, ...fix };
  const sha = await sha256Bytes(loaded.bytes);
  await putImage(store, sha, loaded.bytes, info);
  return { ok: true, sha, info, bytes: loaded.bytes.byteLength };
}

/** Runs at most `slots` tasks at once (workerd allows six open connections per request). */
export function limiter(slots: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    // A freed slot is handed straight to the next waiter, so `active` never overshoots.
    if (active >= slots) await new Promise<void>((resolve) => waiting.push(resolve));
    else active++;
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}

/**
 * Format, dimensions and colour mode of an image read from its first bytes only (never from the file
 * name or content type, and without decoding pixels).
 * @see docs/openai-reference.md E (JPEG, PNG, WEBP; RGB or RGBA)
 * @see https://www.w3.org/TR/png/#11IHDR
 * @see https://developers.google.com/speed/webp/docs/riff_container
 */

export type ImageFormat = "png" | "jpeg" | "webp" | "gif" | "bmp" | "tiff" | "unknown";
export type ColourMode = "rgb" | "rgba" | "grayscale" | "grayscale_alpha" | "palette" | "cmyk" | "ycck";

export interface ImageInfo {
  format: ImageFormat;
  width: number;
  height: number;
  mode: ColourMode;
}

/** A header that cannot be read: `truncated` (ends too early), `corrupt`, or `unsupported` format. */
export type ImageProblem = { problem: "truncated" | "corrupt" | "unsupported"; format: ImageFormat };

const MIME: Record<string, string> = { png: "image/png", jpeg: "image/jpeg", webp: "image/webp" };

/** The media type of an accepted format. */
export function mimeOf(format: string): string {
  return MIME[format] ?? "application/octet-stream";
}

const startsWith = (b: Uint8Array, sig: readonly number[], at = 0) =>
  b.length >= at + sig.length && sig.every((v, i) => b[at + i] === v);
const ascii = (b: Uint8Array, at: number, n: number) => String.fromCharCode(...b.subarray(at, at + n));
const u16be = (b: Uint8Array, at: number) => ((b[at] ?? 0) << 8) | (b[at + 1] ?? 0);
const u16le = (b: Uint8Array, at: number) => (b[at] ?? 0) | ((b[at + 1] ?? 0) << 8);
const u24le = (b: Uint8Array, at: number) => u16le(b, at) | ((b[at + 2] ?? 0) << 16);
const u32be = (b: Uint8Array, at: number) => u16be(b, at) * 65536 + u16be(b, at + 2);

/** The format named by the file's magic bytes. */
export function sniffFormat(b: Uint8Array): ImageFormat {
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "png";
  if (startsWith(b, [0xff, 0xd8, 0xff])) return "jpeg";
  if (b.length >= 12 && ascii(b, 0, 4) === "RIFF" && ascii(b, 8, 4) === "WEBP") return "webp";
  if (b.length >= 6 && (ascii(b, 0, 6) === "GIF87a" || ascii(b, 0, 6) === "GIF89a")) return "gif";
  if (startsWith(b, [0x42, 0x4d])) return "bmp";
  if (startsWith(b, [0x49, 0x49, 0x2a, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2a])) return "tiff";
  return "unknown";
}

const PNG_MODES: Partial<Record<number, ColourMode>> = {
  0: "grayscale",
  2: "rgb",
  3: "palette",
  4: "grayscale_alpha",
  6: "rgba",
};

function readPng(b: Uint8Array): ImageInfo | ImageProblem {
  if (b.length < 33) return { problem: "truncated", format: "png" };
  if (u32be(b, 8) !== 13 || ascii(b, 12, 4) !== "IHDR") return { problem: "corrupt", format: "png" };
  const mode = PNG_MODES[b[25] ?? -1];
  const width = u32be(b, 16);
  const height = u32be(b, 20);
  if (!mode || width === 0 || height === 0) return { problem: "corrupt", format: "png" };
  return { format: "png", width, height, mode };
}

const SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

function jpegMode(components: number, adobeTransform: number | null): ColourMode | null {
  if (components === 1) return "grayscale";
  if (components === 3) return "rgb";
  if (components === 4) return adobeTransform === 2 ? "ycck" : "cmyk";
  return null;
}

/** Walks JPEG segments up to the first start-of-frame, noting an Adobe APP14 colour transform. */
function readJpeg(b: Uint8Array): ImageInfo | ImageProblem {
  const truncated: ImageProblem = { problem: "truncated", format: "jpeg" };
  const corrupt: ImageProblem = { problem: "corrupt", format: "jpeg" };
  let at = 2;
  let adobe: number | null = null;
  for (;;) {
    if (at + 4 > b.length) return truncated;
    if (b[at] !== 0xff) return corrupt;
    const marker = b[at + 1] ?? 0;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return corrupt; // end of image or scan before any frame
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      at += 2;
      continue;
    }
    const length = u16be(b, at + 2);
    if (length < 2) return corrupt;
    if (marker === 0xee && at + 4 + 12 <= b.length && ascii(b, at + 4, 5) === "Adobe") {
      adobe = b[at + 4 + 11] ?? null;
    }
    if (SOF.has(marker)) {
      if (at + 4 + 6 > b.length) return truncated;
      const height = u16be(b, at + 5);
      const width = u16be(b, at + 7);
      const mode = jpegMode(b[at + 9] ?? 0, adobe);
      if (!mode || width === 0 || height === 0) return corrupt;
      return { format: "jpeg", width, height, mode };
    }
    at += 2 + length;
  }
}

function readWebp(b: Uint8Array): ImageInfo | ImageProblem {
  const truncated: ImageProblem = { problem: "truncated", format: "webp" };
  const corrupt: ImageProblem = { problem: "corrupt", format: "webp" };
  if (b.length < 16) return truncated;
  const chunk = ascii(b, 12, 4);
  const need: Partial<Record<string, number>> = { "VP8 ": 30, VP8L: 25, VP8X: 30 };
  if (b.length < (need[chunk] ?? 16)) return truncated;
  if (chunk === "VP8 ") {
    if (!startsWith(b, [0x9d, 0x01, 0x2a], 23)) return corrupt;
    const width = u16le(b, 26) & 0x3fff;
    const height = u16le(b, 28) & 0x3fff;
    return width && height ? { format: "webp", width, height, mode: "rgb" } : corrupt;
  }
  if (chunk === "VP8L") {
    if (b[20] !== 0x2f) return corrupt;
    const bits = (b[21] ?? 0) | ((b[22] ?? 0) << 8) | ((b[23] ?? 0) << 16) | ((b[24] ?? 0) << 24);
    const width = (bits & 0x3fff) + 1;
    const height = ((bits >>> 14) & 0x3fff) + 1;
    const alpha = (bits >>> 28) & 1;
    return { format: "webp", width, height, mode: alpha ? "rgba" : "rgb" };
  }
  if (chunk === "VP8X") {
    const alpha = ((b[20] ?? 0) & 0x10) !== 0;
    const width = u24le(b, 24) + 1;
    const height = u24le(b, 27) + 1;
    return { format: "webp", width, height, mode: alpha ? "rgba" : "rgb" };
  }
  return corrupt;
}

/** Reads the header of `bytes`; formats other than PNG, JPEG and WEBP are `unsupported`. */
export function readImageInfo(bytes: Uint8Array): ImageInfo | ImageProblem {
  const format = sniffFormat(bytes);
  if (format === "png") return readPng(bytes);
  if (format === "jpeg") return readJpeg(bytes);
  if (format === "webp") return readWebp(bytes);
  if (format === "unknown" && bytes.length < 12) return { problem: "truncated", format };
  return { problem: "unsupported", format };
}

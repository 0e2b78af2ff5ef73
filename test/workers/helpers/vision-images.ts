/**
 * Small but well-formed image files built from bytes, for the vision tests (workerd) and the image
 * server (Node). Only headers matter to the validator; PNGs are complete files with a stored zlib block.
 */

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const be32 = (n: number) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const le16 = (n: number) => [n & 0xff, (n >>> 8) & 0xff];
const le24 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff];
const le32 = (n: number) => [...le16(n & 0xffff), ...le16(n >>> 16)];
const text = (s: string) => [...s].map((ch) => ch.charCodeAt(0));

function chunk(type: string, data: number[]): number[] {
  const body = new Uint8Array([...text(type), ...data]);
  return [...be32(data.length), ...body, ...be32(crc32(body))];
}

/** zlib stream of one stored (uncompressed) deflate block. */
function zlibStored(data: Uint8Array): number[] {
  let a = 1;
  let b = 0;
  for (const x of data) {
    a = (a + x) % 65521;
    b = (b + a) % 65521;
  }
  const len = data.length;
  return [0x78, 0x01, 0x01, ...le16(len), ...le16(~len & 0xffff), ...data, ...be32(((b << 16) | a) >>> 0)];
}

export type PngColour = "gray" | "rgb" | "palette" | "gray_alpha" | "rgba";
const PNG_TYPES: Record<PngColour, { type: number; channels: number }> = {
  gray: { type: 0, channels: 1 },
  rgb: { type: 2, channels: 3 },
  palette: { type: 3, channels: 1 },
  gray_alpha: { type: 4, channels: 2 },
  rgba: { type: 6, channels: 4 },
};

/** A PNG; pixel rows are written only for small images (huge dimensions keep a token IDAT). */
export function png(width: number, height: number, colour: PngColour = "rgb", seed = 0): Uint8Array {
  const { type, channels } = PNG_TYPES[colour];
  const ihdr = [...be32(width), ...be32(height), 8, type, 0, 0, 0];
  const rowBytes = 1 + width * channels;
  const small = rowBytes * height <= 60_000;
  const raw = new Uint8Array(small ? rowBytes * height : 1);
  for (let i = 0; i < raw.length; i++) raw[i] = i % rowBytes === 0 ? 0 : (i * 31 + seed) & 0xff;
  // The whole seed in the first pixels, so every seed gives distinct bytes.
  if (small && rowBytes >= 5)
    raw.set([seed >>> 24, (seed >>> 16) & 0xff, (seed >>> 8) & 0xff, seed & 0xff], 1);
  const plte = colour === "palette" ? chunk("PLTE", [0, 0, 0, 255, 255, 255]) : [];
  return new Uint8Array([
    0x89,
    0x50,
    0x4e,
    0x47,
    0x0d,
    0x0a,
    0x1a,
    0x0a,
    ...chunk("IHDR", ihdr),
    ...plte,
    ...chunk("IDAT", zlibStored(raw)),
    ...chunk("IEND", []),
  ]);
}

/** A JPEG header: SOI, optional Adobe APP14 (transform 0 = CMYK, 2 = YCCK), SOF0, EOI. */
export function jpeg(
  width: number,
  height: number,
  components: 1 | 3 | 4 = 3,
  adobe?: 0 | 1 | 2,
): Uint8Array {
  const app14 = adobe === undefined ? [] : [0xff, 0xee, 0, 14, ...text("Adobe"), 0, 100, 0, 0, 0, 0, adobe];
  const comps: number[] = [];
  for (let i = 1; i <= components; i++) comps.push(i, 0x11, 0);
  const sofLength = 8 + 3 * components;
  const sof = [0xff, 0xc0, 0, sofLength, 8, height >> 8, height & 0xff, width >> 8, width & 0xff, components];
  return new Uint8Array([
    0xff,
    0xd8,
    0xff,
    0xe0,
    0,
    16,
    ...text("JFIF"),
    0,
    1,
    1,
    0,
    0,
    1,
    0,
    1,
    0,
    0,
    ...app14,
    ...sof,
    ...comps,
    0xff,
    0xd9,
  ]);
}

function riff(chunkType: string, data: number[]): Uint8Array {
  const payload = [...text("WEBP"), ...text(chunkType), ...le32(data.length), ...data];
  if (data.length % 2 === 1) payload.push(0);
  return new Uint8Array([...text("RIFF"), ...le32(payload.length), ...payload]);
}

/** A lossy (VP8) WEBP header. */
export function webpLossy(width: number, height: number): Uint8Array {
  return riff("VP8 ", [0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, ...le16(width), ...le16(height), 0, 0, 0, 0]);
}

/** A lossless (VP8L) WEBP header, with or without the alpha hint. */
export function webpLossless(width: number, height: number, alpha: boolean): Uint8Array {
  const bits = ((width - 1) | ((height - 1) << 14) | ((alpha ? 1 : 0) << 28)) >>> 0;
  return riff("VP8L", [0x2f, ...le32(bits), 0, 0, 0]);
}

/** An extended (VP8X) WEBP header with the alpha flag. */
export function webpExtended(width: number, height: number, alpha: boolean): Uint8Array {
  return riff("VP8X", [alpha ? 0x10 : 0, 0, 0, 0, ...le24(width - 1), ...le24(height - 1)]);
}

/** A GIF89a header with an empty trailer. */
export function gif(width: number, height: number): Uint8Array {
  return new Uint8Array([...text("GIF89a"), ...le16(width), ...le16(height), 0, 0, 0, 0x3b]);
}

/** A valid PNG padded with an ancillary chunk to exactly `bytes` bytes (for the size cap). */
export function bigPng(bytes: number): Uint8Array {
  const base = png(8, 8, "rgb");
  const pad = bytes - base.length - 12;
  const out = new Uint8Array(bytes);
  const iend = base.length - 12;
  out.set(base.subarray(0, iend), 0);
  out.set([...be32(pad), ...text("teXt")], iend);
  out.set(base.subarray(iend), bytes - 12);
  return out;
}

/** Base64 of bytes, for data URLs. */
export function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export const dataUrl = (bytes: Uint8Array, mime = "image/png") => `data:${mime};base64,${toBase64(bytes)}`;

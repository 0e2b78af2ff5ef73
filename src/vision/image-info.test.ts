import { describe, expect, it } from "vitest";
import {
  gif,
  jpeg,
  png,
  webpExtended,
  webpLossless,
  webpLossy,
} from "../../test/workers/helpers/vision-images";
import { readImageInfo } from "./image-info";

describe("readImageInfo", () => {
  it.each([
    ["gray", "grayscale"],
    ["rgb", "rgb"],
    ["palette", "palette"],
    ["gray_alpha", "grayscale_alpha"],
    ["rgba", "rgba"],
  ] as const)("reads PNG colour type %s as %s with its dimensions", (colour, mode) => {
    expect(readImageInfo(png(7, 5, colour))).toEqual({ format: "png", width: 7, height: 5, mode });
  });

  it("reads JPEG frames: RGB, grayscale, CMYK and Adobe YCCK", () => {
    expect(readImageInfo(jpeg(640, 480, 3))).toEqual({
      format: "jpeg",
      width: 640,
      height: 480,
      mode: "rgb",
    });
    expect(readImageInfo(jpeg(10, 20, 1))).toMatchObject({ mode: "grayscale" });
    expect(readImageInfo(jpeg(10, 20, 4, 0))).toMatchObject({ mode: "cmyk" });
    expect(readImageInfo(jpeg(10, 20, 4, 2))).toMatchObject({ mode: "ycck" });
  });

  it("reads WEBP lossy, lossless and extended headers with the alpha flag", () => {
    expect(readImageInfo(webpLossy(300, 200))).toEqual({
      format: "webp",
      width: 300,
      height: 200,
      mode: "rgb",
    });
    expect(readImageInfo(webpLossless(33, 44, true))).toEqual({
      format: "webp",
      width: 33,
      height: 44,
      mode: "rgba",
    });
    expect(readImageInfo(webpLossless(33, 44, false))).toMatchObject({ mode: "rgb" });
    expect(readImageInfo(webpExtended(5000, 4000, true))).toEqual({
      format: "webp",
      width: 5000,
      height: 4000,
      mode: "rgba",
    });
  });

  it("reads huge dimensions from the header alone", () => {
    expect(readImageInfo(png(40_000, 30_000))).toMatchObject({ width: 40_000, height: 30_000 });
  });

  it("recognises GIF and refuses it as unsupported, whatever the name says", () => {
    expect(readImageInfo(gif(10, 10))).toEqual({ problem: "unsupported", format: "gif" });
    expect(readImageInfo(new TextEncoder().encode("<html>not an image</html>"))).toEqual({
      problem: "unsupported",
      format: "unknown",
    });
  });

  it("reports truncated and corrupt headers", () => {
    expect(readImageInfo(png(4, 4).subarray(0, 20))).toEqual({ problem: "truncated", format: "png" });
    expect(readImageInfo(jpeg(4, 4).subarray(0, 12))).toEqual({ problem: "truncated", format: "jpeg" });
    expect(readImageInfo(webpLossy(4, 4).subarray(0, 16))).toEqual({ problem: "truncated", format: "webp" });
    const bad = png(4, 4);
    bad[12] = 0x58; // IHDR renamed
    expect(readImageInfo(bad)).toEqual({ problem: "corrupt", format: "png" });
    const noFrame = new Uint8Array([0xff, 0xd8, 0xff, 0xda, 0, 4, 0, 0, 0xff, 0xd9]);
    expect(readImageInfo(noFrame)).toEqual({ problem: "corrupt", format: "jpeg" });
  });
});

/**
 * The URL corpus every tenant-supplied URL kind must refuse (test/workers/outbound-url-corpus.test.ts):
 * the address forms the vision guard was probed with, names that resolve inside through the test
 * DNS-over-HTTPS resolver (test/helpers-node/image-server.ts `DNS_RECORDS`), non-http(s) schemes and
 * credentials, and redirect chains from a public first hop to the loopback "metadata" server.
 */
import { vi } from "vitest";
import { imageOrigin } from "./vision";

/** How a corpus URL must be refused: its form, where it points, or a name that does not resolve. */
export type Refusal = "invalid" | "blocked" | "unresolved";

const loopbackPort = new URL(imageOrigin).port;

/** The secret `/metadata` answers (test/helpers-node/image-server.ts). */
export const METADATA_SECRET = "metadata-secret-AKIAEDGEGATETEST";
/** The loopback "metadata" server: a real server that answers if anything reaches it. */
export const METADATA_URL = `${imageOrigin}/metadata`;

const literal = (urls: string[]) => urls.map((url) => ({ url, refusal: "blocked" as const }));

export const URL_CORPUS: readonly { url: string; refusal: Refusal }[] = [
  ...literal([
    METADATA_URL,
    "http://127.0.0.1/a.png",
    "http://127.1/",
    "http://2130706433/a.png",
    "http://0x7f.1/a.png",
    "http://0x7f000001/",
    "http://0177.0.0.1/",
    "http://017700000001/",
    "http://10.1.2.3/",
    "http://172.16.0.1/",
    "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.1/",
    "http://100.100.100.200/latest/meta-data/",
    "http://0.0.0.0/",
    "http://[::]/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[fd00::1]/",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://[fe80::1]/",
    "http://[::ffff:a9fe:a9fe]/",
    "http://[::127.0.0.1]/",
    "http://[64:ff9b::a9fe:a9fe]/",
    "http://[64:ff9b::10.0.0.1]/",
    "http://[64:ff9b:1::1]/",
    "http://[2002:7f00:1::]/",
    "http://[2002:c0a8:101::1]/",
    "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",
    "http://[ff02::1]/",
    "http://[::ffff:0:7f00:1]/",
    "http://[::ffff:0:a9fe:a9fe]/latest/meta-data/",
    "http://[::ffff:0:a00:1]/",
    "http://[fec0::1]/",
    "http://[100::1]/",
    "http://localhost/a.png",
    "http://localhost:8080/",
    "http://api.localhost/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://metadata/",
    "http://intranet/",
    // Public-looking names whose DNS answers point inside.
    "http://127.0.0.1.nip.io/",
    `http://127.0.0.1.nip.io:${loopbackPort}/metadata`,
    "https://localtest.me/",
    "http://169.254.169.254.sslip.io/latest/meta-data/",
    "http://fd00-ec2--254.sslip.io/",
    "http://mapped.edgegate.test/",
    "http://translated.edgegate.test/",
    "http://private.edgegate.test/",
    "http://metadata.edgegate.test/",
    "http://v6-loopback.edgegate.test/",
    "http://mixed.edgegate.test/",
  ]),
  { url: "http://nowhere.edgegate.test/", refusal: "unresolved" },
  { url: "http://broken.edgegate.test/", refusal: "unresolved" },
  { url: "file:///etc/passwd", refusal: "invalid" },
  { url: "ftp://example.com/a.png", refusal: "invalid" },
  { url: "gopher://127.0.0.1:6379/_INFO", refusal: "invalid" },
  { url: "http://user:pass@public.edgegate.test/", refusal: "invalid" },
];

/** A public first hop (`public.edgegate.test`, answered by `withRedirects`) that redirects to `to`. */
export const redirectTo = (to: string) => `http://public.edgegate.test/redirect?to=${encodeURIComponent(to)}`;

/** Redirect chains from a public host to the inside, each of which must be refused at the inside hop. */
export const REDIRECT_CORPUS: readonly string[] = [
  redirectTo(METADATA_URL),
  redirectTo(`http://127.0.0.1.nip.io:${loopbackPort}/metadata`),
  redirectTo(`http://localtest.me:${loopbackPort}/metadata`),
  redirectTo(`http://[::ffff:127.0.0.1]:${loopbackPort}/metadata`),
  redirectTo("http://169.254.169.254/latest/meta-data/"),
  redirectTo(redirectTo(METADATA_URL)),
];

/** How often the loopback metadata server was asked (it must stay unchanged). */
export async function metadataHits(): Promise<number> {
  return ((await (await fetch(`${imageOrigin}/hits/metadata`)).json()) as { hits: number }).hits;
}

/**
 * Runs `fn` while `public.edgegate.test` (public in the test resolver, unreachable offline) answers
 * every request with a 307 to its `to` parameter; other requests go out as usual.
 */
export async function withRedirects<T>(fn: () => Promise<T>): Promise<T> {
  const realFetch = globalThis.fetch;
  const spy = vi.spyOn(globalThis, "fetch").mockImplementation((input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.hostname === "public.edgegate.test") {
      const location = url.searchParams.get("to") ?? "/";
      return Promise.resolve(new Response("redirecting", { status: 307, headers: { location } }));
    }
    return realFetch(input, init);
  });
  try {
    return await fn();
  } finally {
    spy.mockRestore();
  }
}

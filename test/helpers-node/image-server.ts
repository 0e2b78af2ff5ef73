/**
 * A local HTTP server of test images, for the vision tests (started in vitest globalSetup, since
 * workerd can only reach Node servers started there) and the vision benchmark.
 *
 * Routes: `/img/<name>` (fixtures, served with a misleading content type), `/gen/<n>.png` (a distinct
 * PNG per n), `/redirect/<hops>/<name>`, `/redirect-to?location=`, `/slow/<name>`, `/stream-big`
 * (11 MB, chunked, no length), `/status/<code>`, `/hits/<path>` (how often a path was served), and
 * `/metadata` (a stand-in for an instance-metadata server: its secret must never leave the gateway),
 * and `/dns-query?name=&type=`: a DNS-over-HTTPS JSON responder with a few fixed names (`DNS_RECORDS`).
 * A name one label below a fixed one answers as that name does, so a test file can ask under names of
 * its own; `/hits/dns-query/<name>` counts the queries for one name.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  bigPng,
  gif,
  jpeg,
  png,
  webpExtended,
  webpLossless,
  webpLossy,
} from "../workers/helpers/vision-images";

export const IMAGE_FIXTURES: Record<string, Uint8Array> = {
  "rgb.png": png(64, 48, "rgb"),
  "rgba.png": png(32, 32, "rgba"),
  "gray.png": png(16, 16, "gray"),
  "palette.png": png(16, 16, "palette"),
  "rgb.jpg": jpeg(1024, 768, 3),
  "cmyk.jpg": jpeg(100, 100, 4, 0),
  "gray.jpg": jpeg(100, 100, 1),
  "lossy.webp": webpLossy(300, 200),
  "lossless.webp": webpLossless(128, 128, false),
  "alpha.webp": webpExtended(200, 100, true),
  "anim.gif": gif(10, 10),
  "truncated.png": png(64, 48, "rgb").subarray(0, 20),
  "huge.png": png(40_000, 30_000, "rgb"),
  "big.png": bigPng(11 * 1024 * 1024),
};

/** Names the test resolver knows (everything else is NXDOMAIN); `broken.edgegate.test` answers HTTP 500. */
export const DNS_RECORDS: Record<string, { A?: string[]; AAAA?: string[]; CNAME?: string }> = {
  "private.edgegate.test": { A: ["127.0.0.1"] },
  "metadata.edgegate.test": { CNAME: "instance-data.edgegate.test", A: ["169.254.169.254"] },
  "v6-loopback.edgegate.test": { A: ["192.0.2.10"], AAAA: ["::1"] },
  "public.edgegate.test": { A: ["192.0.2.10"], AAAA: ["2001:db8::10"] },
  "mixed.edgegate.test": { A: ["192.0.2.11", "10.0.0.5"] },
  // The tool origin of the realtime tests (its calls are answered inside workerd).
  "tools.example.test": { A: ["192.0.2.20"] },
  "attacker.example": { A: ["192.0.2.30"] },
  // Public wildcard-DNS services that point at the inside, as the security probe used them.
  "127.0.0.1.nip.io": { A: ["127.0.0.1"] },
  "localtest.me": { A: ["127.0.0.1"], AAAA: ["::1"] },
  "169.254.169.254.sslip.io": { A: ["169.254.169.254"] },
  "fd00-ec2--254.sslip.io": { AAAA: ["fd00:ec2::254"] },
  "mapped.edgegate.test": { AAAA: ["::ffff:127.0.0.1"] },
  "translated.edgegate.test": { AAAA: ["::ffff:0:7f00:1"] },
};

/** What `/metadata` answers: a test fails if it ever shows up in anything the gateway returns. */
export const METADATA_SECRET = "metadata-secret-AKIAEDGEGATETEST";

const DNS_TYPES = { A: 1, AAAA: 28, CNAME: 5 } as const;

/** The fixed name `name` answers as: itself, or the fixed name one label above it. */
function fixedName(name: string): string {
  const parent = name.slice(name.indexOf(".") + 1);
  return DNS_RECORDS[name] === undefined && (DNS_RECORDS[parent] || parent === "broken.edgegate.test")
    ? parent
    : name;
}

function dnsAnswer(res: ServerResponse, url: URL, hits: Map<string, number>): void {
  const name = (url.searchParams.get("name") ?? "").replace(/\.$/, "");
  const type = url.searchParams.get("type") === "AAAA" ? "AAAA" : "A";
  hits.set(`/dns-query/${name}`, (hits.get(`/dns-query/${name}`) ?? 0) + 1);
  if (fixedName(name) === "broken.edgegate.test") return void res.writeHead(500).end();
  const records = DNS_RECORDS[fixedName(name)];
  const answer = [
    ...(records?.CNAME ? [{ name, type: DNS_TYPES.CNAME, TTL: 60, data: `${records.CNAME}.` }] : []),
    ...(records?.[type] ?? []).map((data) => ({ name, type: DNS_TYPES[type], TTL: 60, data })),
  ];
  res.writeHead(200, { "content-type": "application/dns-json" });
  res.end(
    JSON.stringify({ Status: records ? 0 : 3, Question: [{ name, type: DNS_TYPES[type] }], Answer: answer }),
  );
}

export interface ImageServer {
  origin: string;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function send(res: ServerResponse, bytes: Uint8Array, type = "image/gif"): void {
  // Deliberately wrong content type: the gateway must read the format from the bytes.
  res.writeHead(200, { "content-type": type, "content-length": String(bytes.byteLength) });
  res.end(bytes);
}

async function streamBig(res: ServerResponse): Promise<void> {
  const bytes = IMAGE_FIXTURES["big.png"] ?? new Uint8Array(0);
  res.writeHead(200, { "content-type": "image/png" });
  for (let at = 0; at < bytes.length && !res.destroyed; at += 65_536) {
    res.write(bytes.subarray(at, at + 65_536));
    await sleep(0);
  }
  res.end();
}

async function route(req: IncomingMessage, res: ServerResponse, hits: Map<string, number>): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  const path = url.pathname;
  hits.set(path, (hits.get(path) ?? 0) + 1);
  const [, head, ...rest] = path.split("/");
  const tail = rest.join("/");
  if (head === "img" && IMAGE_FIXTURES[tail]) return send(res, IMAGE_FIXTURES[tail]);
  if (head === "gen") return send(res, png(24, 24, "rgb", Number.parseInt(tail, 10) || 0), "image/png");
  if (head === "redirect") {
    const hops = Number(rest[0]);
    const next =
      hops > 1 ? `/redirect/${hops - 1}/${rest.slice(1).join("/")}` : `/img/${rest.slice(1).join("/")}`;
    res.writeHead(302, { location: next }).end();
    return;
  }
  if (head === "redirect-to") {
    res.writeHead(302, { location: url.searchParams.get("location") ?? "/" }).end();
    return;
  }
  if (head === "slow") {
    await sleep(3_000);
    return IMAGE_FIXTURES[tail] ? send(res, IMAGE_FIXTURES[tail]) : void res.writeHead(404).end();
  }
  if (head === "stream-big") return streamBig(res);
  if (head === "status") return void res.writeHead(Number(tail) || 500).end();
  if (head === "dns-query") return dnsAnswer(res, url, hits);
  if (head === "metadata") return void res.writeHead(200).end(METADATA_SECRET);
  if (head === "hits") return void res.end(JSON.stringify({ hits: hits.get(`/${tail}`) ?? 0 }));
  res.writeHead(404).end();
}

export async function startImageServer(port = 0): Promise<ImageServer> {
  const hits = new Map<string, number>();
  const server = createServer((req, res) => {
    route(req, res, hits).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

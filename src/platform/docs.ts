/** Minimal shape of the generated OpenAPI document that the docs page reads. */
interface OpenApiDoc {
  info: { title: string; version: string; description?: string };
  paths?: object;
}

interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
}

const escapeHtml = (s: string) =>
  s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");

/**
 * A self-contained HTML page listing every route of the OpenAPI document (no CDN, so it works
 * offline under `npm start`). The full document is at `/openapi.json`.
 */
/**
 * Headers of the docs page, the one HTML page the Worker renders: no script may run (it needs none),
 * its one inline stylesheet may, and no other site may frame it.
 */
export const DOCS_PAGE_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy":
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

export function renderDocsPage(doc: OpenApiDoc): string {
  const rows: string[] = [];
  for (const [path, ops] of Object.entries(doc.paths ?? {}) as [string, Record<string, Operation>][]) {
    for (const [method, op] of Object.entries(ops)) {
      rows.push(
        `<tr><td><code>${method.toUpperCase()}</code></td><td><code>${escapeHtml(path)}</code></td><td>${escapeHtml(
          op.tags?.join(", ") ?? "",
        )}</td><td>${escapeHtml(op.summary ?? "")}${op.description ? `<br><small>${escapeHtml(op.description)}</small>` : ""}</td></tr>`,
      );
    }
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(doc.info.title)} API</title>
<style>body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem;color:#1d1d1f}
table{border-collapse:collapse;width:100%}td{border-top:1px solid #ddd;padding:.45rem .6rem;vertical-align:top}
code{font-size:13px}small{color:#555}</style></head><body>
<h1>${escapeHtml(doc.info.title)} <small>${escapeHtml(doc.info.version)}</small></h1>
<p>${escapeHtml(doc.info.description ?? "")}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p>
<table><thead><tr><th>Method</th><th>Path</th><th>Area</th><th>What it does</th></tr></thead><tbody>
${rows.join("\n")}
</tbody></table></body></html>`;
}

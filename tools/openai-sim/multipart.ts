/**
 * A small `multipart/form-data` parser (RFC 7578) for `POST /v1/files`: text fields and file parts.
 */
import { badRequest } from "./errors";

export interface FilePart {
  filename: string;
  contentType: string;
  data: Buffer;
}

export interface FormData {
  fields: Map<string, string>;
  files: Map<string, FilePart>;
}

export function boundaryOf(contentType: string | undefined): string | undefined {
  const match = /^multipart\/form-data\s*;.*?boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? "");
  return match?.[1] ?? match?.[2];
}

function parseHeaders(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of block.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return headers;
}

function dispositionParam(disposition: string, name: string): string | undefined {
  const match = new RegExp(`(?:^|;)\\s*${name}="((?:[^"\\\\]|\\\\.)*)"`, "i").exec(disposition);
  if (match?.[1] !== undefined) return match[1].replace(/\\(.)/g, "$1");
  return new RegExp(`(?:^|;)\\s*${name}=([^;]+)`, "i").exec(disposition)?.[1]?.trim();
}

export function parseMultipart(body: Buffer, boundary: string): FormData {
  const form: FormData = { fields: new Map(), files: new Map() };
  const delimiter = Buffer.from(`--${boundary}`);
  let position = body.indexOf(delimiter);
  if (position === -1) throw badRequest("Could not parse multipart form: boundary not found.");
  while (true) {
    position += delimiter.length;
    if (body.subarray(position, position + 2).toString() === "--") break;
    const headerStart = position + 2;
    const headerEnd = body.indexOf("\r\n\r\n", headerStart);
    const next = body.indexOf(delimiter, headerStart);
    if (headerEnd === -1 || next === -1) throw badRequest("Could not parse multipart form: truncated body.");
    const headers = parseHeaders(body.subarray(headerStart, headerEnd).toString("utf8"));
    const data = body.subarray(headerEnd + 4, next - 2);
    const disposition = headers.get("content-disposition") ?? "";
    const name = dispositionParam(disposition, "name");
    const filename = dispositionParam(disposition, "filename");
    if (name !== undefined) {
      if (filename !== undefined) {
        const contentType = headers.get("content-type") ?? "application/octet-stream";
        form.files.set(name, { filename, contentType, data: Buffer.from(data) });
      } else {
        form.fields.set(name, data.toString("utf8"));
      }
    }
    position = next;
  }
  return form;
}

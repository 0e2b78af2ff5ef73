/**
 * The body of a captured completion (its request and answer JSON) lives in an R2 segment
 * (src/storage/segments.ts) named by the row's `body_ref`; rows written before that keep it inline
 * in `request` and `answer`. Readers load a page of rows from D1, then resolve the bodies of all of
 * them here at once: records written in the same queue batch come back in one ranged read.
 * @see docs/storage.md
 */
import type { Bindings } from "../platform/env";
import { isRef, readRecords } from "../storage/segments";

/** What one segment record of a capture holds: the request and answer, each as its JSON text. */
interface CaptureBody {
  request: string;
  answer: string;
}

/** The segment record for a capture's request and answer (both JSON texts). */
export function captureBody(request: string, answer: string): string {
  return JSON.stringify({ request, answer } satisfies CaptureBody);
}

/** The rows' fields that carry a body, inline or by reference. */
interface BodyFields {
  tenant_id: string;
  request: string;
  answer: string;
  body_ref: string | null;
}

/**
 * `rows` with `request` and `answer` filled in from R2 where the body is there (inline rows are
 * answered as they are). One batch of ranged reads per tenant, whatever the number of rows.
 */
export async function withBodies<Row extends BodyFields>(
  env: Pick<Bindings, "BLOBS">,
  rows: readonly Row[],
): Promise<Row[]> {
  const out = [...rows];
  const byTenant = new Map<string, number[]>();
  out.forEach((row, i) => {
    if (row.body_ref === null || !isRef(row.body_ref)) return;
    const list = byTenant.get(row.tenant_id) ?? [];
    list.push(i);
    byTenant.set(row.tenant_id, list);
  });
  await Promise.all(
    [...byTenant].map(async ([tenantId, indexes]) => {
      const refs = indexes.map((i) => out[i]?.body_ref ?? "");
      const bodies = await readRecords(env.BLOBS, tenantId, refs);
      indexes.forEach((rowIndex, k) => {
        const text = bodies[k];
        const row = out[rowIndex];
        if (text == null || !row) return;
        const body = JSON.parse(text) as CaptureBody;
        out[rowIndex] = { ...row, request: body.request, answer: body.answer };
      });
    }),
  );
  return out;
}

/** One row with its body (see `withBodies`). */
export async function withBody<Row extends BodyFields>(env: Pick<Bindings, "BLOBS">, row: Row): Promise<Row> {
  const [resolved] = await withBodies(env, [row]);
  return resolved ?? row;
}

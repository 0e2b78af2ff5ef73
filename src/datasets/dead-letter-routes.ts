/**
 * `/admin/tenants/{id}/captures/dead_letter`: captured completions the database would not take
 * (too big for a row, or refused by every delivery of the capture queue), kept instead of lost.
 * Listed with their total, and replayed one by one once the cause is fixed, through the same code
 * as the queue's consumer.
 */
import { z } from "@hono/zod-openapi";
import { adminTenant, tenantOrNotFound } from "../identity/admin-access";
import type { Tenant } from "../identity/principal";
import { foundOr, GatewayError, unknownCursor } from "../platform/errors";
import { ok, okOrConflict } from "../platform/openapi";
import { type OwnedResource, routeKit } from "../platform/route-kit";
import { storeCaptures } from "./capture-consumer";
import {
  type DeadLetterRow,
  deadLetterRecord,
  forgetDeadLetter,
  getDeadLetter,
  listDeadLetters,
  noteRetryFailed,
} from "./dead-letters";

const { router: captureAdmin, resourceRoute } = routeKit({ tags: ["Admin: captures"] });

/** `/admin/tenants/{id}/captures/dead_letter…`. */
export { captureAdmin };

const TenantParams = z.object({ id: z.string().min(1).max(200) });
const DeadLetterParams = TenantParams.extend({ dead_letter_id: z.string().min(1).max(200) });
const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  after: z.string().max(200).optional().openapi({ description: "The id of the last dead letter seen." }),
});

const DeadLetterSchema = z
  .object({
    object: z.literal("capture.dead_letter"),
    id: z.string(),
    capture_id: z.string().openapi({ description: "The stored completion's id once written." }),
    kind: z.string(),
    model: z.string(),
    reason: z.enum(["too_large", "refused"]).openapi({
      description: "`too_large`: the row is over the database's row limit; `refused`: every attempt failed.",
    }),
    bytes: z.number().int().openapi({ description: "Size of the captured record." }),
    retryable: z.boolean().openapi({
      description: "False when only the summary was kept (an older dead letter too big to keep).",
    }),
    attempts: z.number().int(),
    last_error: z.string(),
    created_at: z.number().int().openapi({ description: "Unix milliseconds." }),
  })
  .openapi("CaptureDeadLetter");

const DeadLetterListSchema = z
  .object({
    object: z.literal("list"),
    data: z.array(DeadLetterSchema),
    total: z.number().int().openapi({ description: "All of the tenant's dead letters." }),
    has_more: z.boolean(),
  })
  .openapi("CaptureDeadLetterList");

const RetriedSchema = z
  .object({ object: z.literal("capture.dead_letter.retried"), id: z.string(), completion_id: z.string() })
  .openapi("CaptureDeadLetterRetried");

function deadLetterJson(row: DeadLetterRow, retryable: boolean) {
  return {
    object: "capture.dead_letter" as const,
    id: row.id,
    capture_id: row.capture_id,
    kind: row.kind,
    model: row.model,
    reason: row.reason,
    bytes: row.record_bytes,
    retryable,
    attempts: row.attempts,
    last_error: row.last_error,
    created_at: row.created_at,
  };
}

/** `/tenants/{id}` of these routes: `adminTenant` with ids of at most 200 characters. */
const captureTenant: OwnedResource<typeof TenantParams, Tenant> = { ...adminTenant, params: TenantParams };

/** `/tenants/{id}/captures/dead_letter/{dead_letter_id}`: the tenant's dead letter, or 404. */
const deadLetter: OwnedResource<typeof DeadLetterParams, DeadLetterRow> = {
  params: DeadLetterParams,
  load: async (c, { id, dead_letter_id }) => {
    await tenantOrNotFound(c.env.DB, id);
    return foundOr(await getDeadLetter(c.env.DB, id, dead_letter_id), "dead letter", dead_letter_id, {
      param: "dead_letter_id",
    });
  },
};

resourceRoute(
  captureTenant,
  {
    method: "get",
    path: "/tenants/{id}/captures/dead_letter",
    summary: "List captures the database would not take (oldest first), with their total",
    request: { query: ListQuery },
    responses: ok(DeadLetterListSchema, "A page of dead letters"),
  },
  async (c, { id }, { query }) => {
    const page = await listDeadLetters(c.env.DB, id, query.limit, query.after ?? null);
    if (page === null)
      throw unknownCursor(
        query.after ?? "",
        "dead letter of this tenant",
        "retried, past the retention window, or never there",
      );
    return c.json(
      {
        object: "list" as const,
        data: page.rows.map((r) => deadLetterJson(r, r.kept === 1)),
        total: page.total,
        has_more: page.hasMore,
      },
      200,
    );
  },
);

resourceRoute(
  deadLetter,
  {
    method: "post",
    path: "/tenants/{id}/captures/dead_letter/{dead_letter_id}/retry",
    summary: "Write a dead letter to the stored completions again; it leaves the list when that succeeds",
    description:
      "409 `capture_retry_failed` when the database refuses it again (the error is recorded on the dead letter), or `capture_not_kept` when only its summary could be kept.",
    responses: okOrConflict(RetriedSchema, "Written"),
  },
  async (c, row) => {
    const { tenant_id: id, id: deadLetterId } = row;
    const record = await deadLetterRecord(c.env, row);
    if (!record) {
      throw new GatewayError(409, "This capture was too large to keep: only its summary is left.", {
        code: "capture_not_kept",
      });
    }
    try {
      await storeCaptures(c.env, id, [{ ...record, tenantId: id }]);
    } catch (err) {
      await noteRetryFailed(c.env.DB, id, deadLetterId, err);
      throw new GatewayError(409, `The database refused the capture again: ${String(err).slice(0, 300)}`, {
        code: "capture_retry_failed",
      });
    }
    await forgetDeadLetter(c.env.DB, id, deadLetterId);
    return c.json(
      { object: "capture.dead_letter.retried" as const, id: deadLetterId, completion_id: record.id },
      200,
    );
  },
);

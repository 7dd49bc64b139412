import { z } from 'zod';

/** Default topic for outbox messages; override with OUTBOX_TOPIC. */
export const DEFAULT_OUTBOX_TOPIC = 'warp-customer-changes';

/** Rows a message can carry along: more than a field-sync batch takes, well inside Pub/Sub's message size. */
export const MAX_ALONG_WITH = 1_000;

/**
 * What the outbox publishes per customer change. Deliberately small: it only says which
 * row to look at; the worker reads the change itself from the database (the source of truth),
 * so a stale or duplicated message can never carry stale data.
 */
export const outboxMessageSchema = z.strictObject({
  outboxId: z.string().regex(/^\d+$/, 'must be a bigint id as decimal text'),
  customerId: z.uuid(),
  operation: z.enum(['CREATE', 'UPDATE', 'RESYNC']),
  origin: z.enum(['WARP', 'HUBSPOT', 'RECONCILIATION', 'OPERATOR']),
  changedAt: z.iso.datetime({ offset: true }),
  /**
   * Other rows published with this one, as one group (a reconciliation's RESYNCs): the worker
   * claims them in the same batch, so a group costs one message and one claim.
   */
  alongWith: z.array(z.string().regex(/^\d+$/, 'must be a bigint id as decimal text')).max(MAX_ALONG_WITH).optional(),
});

export type OutboxMessage = z.infer<typeof outboxMessageSchema>;

/** The message of an outbox row as read from the table; `alongWith`: rows published with it. */
export function messageOfRow(
  row: { id: string; customer_id: string; operation: OutboxMessage['operation']; origin: OutboxMessage['origin']; changed_at: Date },
  alongWith: readonly string[] = [],
): OutboxMessage {
  return outboxMessageSchema.parse({
    outboxId: row.id,
    customerId: row.customer_id,
    operation: row.operation,
    origin: row.origin,
    changedAt: row.changed_at.toISOString(),
    ...(alongWith.length > 0 ? { alongWith } : {}),
  });
}

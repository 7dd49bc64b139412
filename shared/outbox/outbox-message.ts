import { z } from 'zod';

/** Default topic for outbox messages; override with OUTBOX_TOPIC. */
export const DEFAULT_OUTBOX_TOPIC = 'warp-customer-changes';

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
});

export type OutboxMessage = z.infer<typeof outboxMessageSchema>;

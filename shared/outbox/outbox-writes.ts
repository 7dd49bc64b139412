import type { Insertable } from 'kysely';
import type { DbOrTx } from '../db/database.js';
import type { HubspotSyncQueueTable, OutboxOperation, OutboxOrigin } from '../db/tables/hubspot-sync.js';
import type { FieldChanges } from '../customers/changes.js';

/**
 * Every row of the transactional outbox (hubspot_sync_queue) is written here, always in the
 * transaction of the change it records, so the change and its outbound work commit together.
 */

/** Called after the change transaction commits (the Pub/Sub publish); its failure never fails the request. */
export type OnOutboxCommitted = (outboxId: string, customerId: string) => Promise<void>;

/** The outbox row of one change made in WARP (the customer API): outbound work. */
export function insertOutboxRow(
  tx: DbOrTx,
  change: { customerId: string; operation: OutboxOperation; changes: FieldChanges; userId: string },
): Promise<string> {
  return insertChangeRow(tx, change.customerId, change.changes, { operation: change.operation, origin: 'WARP', changed_by: change.userId });
}

/** A row recording one customer's field changes, with their old and new values. */
async function insertChangeRow(
  tx: DbOrTx,
  customerId: string,
  changes: FieldChanges,
  row: Omit<Insertable<HubspotSyncQueueTable>, 'customer_id' | 'changed_fields' | 'old_values' | 'new_values'>,
): Promise<string> {
  const { id } = await tx
    .insertInto('hubspot_sync_queue')
    .values({ ...changeColumns(customerId, changes), ...row })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

function changeColumns(customerId: string, changes: FieldChanges) {
  return { customer_id: customerId, changed_fields: changes.fields, old_values: changes.oldValues, new_values: changes.newValues };
}

export interface ResyncRequest {
  customerId: string;
  /** What the request is about, for the log; the worker always plans the whole customer. */
  fields: readonly string[];
  origin: OutboxOrigin;
  by: string;
  now: Date;
}

/** A RESYNC row: outbound work the worker batches, budgets and retries like any change. */
export async function enqueueResync(tx: DbOrTx, request: ResyncRequest): Promise<string> {
  const [id] = await enqueueResyncs(tx, [request.customerId], request);
  return id!;
}

/** RESYNC rows for many customers in one statement (reconciliation chunks); ids in the customers' order. */
export async function enqueueResyncs(
  tx: DbOrTx,
  customerIds: readonly string[],
  request: Omit<ResyncRequest, 'customerId'>,
): Promise<string[]> {
  if (customerIds.length === 0) return [];
  const rows = await tx
    .insertInto('hubspot_sync_queue')
    .values(
      customerIds.map((customerId) => ({
        customer_id: customerId,
        operation: 'RESYNC' as const,
        origin: request.origin,
        changed_fields: [...request.fields],
        changed_at: request.now,
        changed_by: request.by,
        status: 'PENDING' as const,
      })),
    )
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

/** HubSpot's values applied to one customer, as its outbox record says (insertAppliedHubspotChanges). */
export interface AppliedHubspotChange {
  customerId: string;
  changes: FieldChanges;
  by: string;
  now: Date;
}

/**
 * The record of HubSpot's values applied to a customer (origin HUBSPOT), born done: it documents
 * the change for anyone reading the outbox (the sync log points at it) and can never come back as
 * outbound work. Marked published too, so the relay never sends it.
 */
export async function insertAppliedHubspotChange(tx: DbOrTx, change: AppliedHubspotChange): Promise<string> {
  const [id] = await insertAppliedHubspotChanges(tx, [change]);
  return id!;
}

/** insertAppliedHubspotChange for many customers in one statement (a sync batch); ids in their order. */
export async function insertAppliedHubspotChanges(tx: DbOrTx, changes: readonly AppliedHubspotChange[]): Promise<string[]> {
  if (changes.length === 0) return [];
  const rows = await tx
    .insertInto('hubspot_sync_queue')
    .values(
      changes.map(({ customerId, changes: fields, by, now }) => ({
        ...changeColumns(customerId, fields),
        operation: 'UPDATE' as const,
        origin: 'HUBSPOT' as const,
        changed_at: now,
        changed_by: by,
        status: 'DONE' as const,
        published_at: now,
        processed_at: now,
      })),
    )
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

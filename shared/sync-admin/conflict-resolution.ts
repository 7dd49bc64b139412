import { sql, type SqlBool } from 'kysely';
import { z } from 'zod';
import { inTransaction, type Db, type DbOrTx } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import { lockCustomersForSync } from '../sync-store/customer-sync-lock.js';
import { insertSyncLog } from '../sync-store/sync-log-repository.js';
import type { Canonical } from '../sync/transforms.js';
import { enqueueOperatorResync, publishOperatorResync, type OperatorActionOptions, type OperatorResync } from './operator-resync.js';
import { actorSchema, customerIdSchema, parseArgument } from './stored-mappings.js';

/**
 * Settling a MANUAL conflict. The resolution does not write either system itself: it moves the
 * field's base to the losing side's value and closes the conflict, then asks for a RESYNC. The
 * planner then sees only the chosen side moved from the base and carries its value over, through
 * the worker's usual batching, rate budget and retries. The mapping stays MANUAL, so later
 * divergent edits open a new conflict.
 */
export const resolveConflictInputSchema = z.strictObject({
  customerId: customerIdSchema,
  warpField: z.string().min(1, 'warpField is required'),
  take: z.enum(['WARP', 'HUBSPOT']),
  by: actorSchema,
});

export type ResolveConflictInput = z.input<typeof resolveConflictInputSchema>;

export interface ConflictResolved {
  customerId: string;
  warpField: string;
  hubspotProperty: string;
  take: 'WARP' | 'HUBSPOT';
  /** The value both sides hold once the worker has run the RESYNC (canonical form). */
  value: Canonical;
  resync: OperatorResync;
}

export interface OpenConflictView {
  customerId: string;
  ban: string;
  companyName: string;
  warpField: string;
  hubspotProperty: string;
  warpValue: Canonical;
  hubspotValue: Canonical;
  warpChangedAt: Date | null;
  hubspotChangedAt: Date | null;
  openedAt: Date | null;
}

export async function resolveConflict(db: Db, input: ResolveConflictInput, options: OperatorActionOptions = {}): Promise<ConflictResolved> {
  const { customerId, warpField, take, by } = parseArgument(resolveConflictInputSchema, input, 'conflict resolution');
  const now = options.now ?? new Date();
  const resolved = await inTransaction(db, async (tx) => {
    // The worker plans a customer under this lock: no plan made from the open conflict can land after this.
    await lockCustomersForSync(tx, [customerId]);
    const state = await tx
      .selectFrom('hubspot_field_state')
      .selectAll()
      .where('customer_id', '=', customerId)
      .where('warp_field', '=', warpField)
      .forUpdate()
      .executeTakeFirst();
    if (!state || state.conflict_status !== 'OPEN')
      throw new AppError('CONFLICT', `customer ${customerId} has no open conflict on ${warpField}`);
    const [value, base] =
      take === 'WARP'
        ? [state.conflict_warp_value, state.conflict_hubspot_value]
        : [state.conflict_hubspot_value, state.conflict_warp_value];
    await tx
      .updateTable('hubspot_field_state')
      .set({
        base_value: base,
        has_base: true,
        conflict_status: 'NONE',
        conflict_warp_value: null,
        conflict_hubspot_value: null,
        conflict_warp_at: null,
        conflict_hubspot_at: null,
        conflict_opened_at: null,
      })
      .where('customer_id', '=', customerId)
      .where('warp_field', '=', warpField)
      .execute();
    const outboxId = await enqueueOperatorResync(tx, customerId, [warpField], by, now);
    const customer = await tx.selectFrom('customers').select('hubspot_company_id').where('id', '=', customerId).executeTakeFirstOrThrow();
    await insertSyncLog(tx, [
      {
        customer_id: customerId,
        hubspot_company_id: customer.hubspot_company_id,
        outbox_id: outboxId,
        direction: take === 'WARP' ? 'WARP_TO_HUBSPOT' : 'HUBSPOT_TO_WARP',
        operation: 'RESOLVE_CONFLICT',
        status: 'SUCCESS',
        fields: {
          [warpField]: {
            hubspotProperty: state.hubspot_property,
            warpValue: state.conflict_warp_value,
            hubspotValue: state.conflict_hubspot_value,
            warpChangedAt: state.conflict_warp_at,
            hubspotChangedAt: state.conflict_hubspot_at,
            take,
            by,
          },
        },
      },
    ]);
    return { hubspotProperty: state.hubspot_property, value, outboxId };
  });
  const resync = await publishOperatorResync(db, options.publishing, resolved.outboxId);
  return { customerId, warpField, hubspotProperty: resolved.hubspotProperty, take, value: resolved.value, resync };
}

/** Where a page of open conflicts starts: after this conflict, in listing order. */
export interface ConflictPage {
  warpField?: string;
  after?: { openedAt: Date; customerId: string; warpField: string };
  limit?: number;
}

/** Opening time at the millisecond a page cursor (a JS Date) can carry, so no row is listed twice. */
const openedAtMs = sql<Date>`date_trunc('milliseconds', s.conflict_opened_at)`;

/** Open MANUAL conflicts, oldest first, of one customer or all; optionally one field, one keyset page. */
export async function listOpenConflicts(db: DbOrTx, customerId?: string, page: ConflictPage = {}): Promise<OpenConflictView[]> {
  const id = customerId === undefined ? undefined : parseArgument(customerIdSchema, customerId, 'customerId');
  const { warpField, after, limit } = page;
  const rows = await db
    .selectFrom('hubspot_field_state as s')
    .innerJoin('customers as c', 'c.id', 's.customer_id')
    .select([
      's.customer_id',
      'c.ban',
      'c.company_name',
      's.warp_field',
      's.hubspot_property',
      's.conflict_warp_value',
      's.conflict_hubspot_value',
      's.conflict_warp_at',
      's.conflict_hubspot_at',
      's.conflict_opened_at',
    ])
    .where('s.conflict_status', '=', 'OPEN')
    .$if(id !== undefined, (q) => q.where('s.customer_id', '=', id!))
    .$if(warpField !== undefined, (q) => q.where('s.warp_field', '=', warpField!))
    .$if(after !== undefined, (q) =>
      q.where(
        sql<SqlBool>`(${openedAtMs}, s.customer_id, s.warp_field)
          > (${after!.openedAt}::timestamptz, ${after!.customerId}::uuid, ${after!.warpField})`,
      ),
    )
    .$if(limit !== undefined, (q) => q.limit(limit!))
    .orderBy(openedAtMs)
    .orderBy('s.customer_id')
    .orderBy('s.warp_field')
    .execute();
  return rows.map((r) => ({
    customerId: r.customer_id,
    ban: r.ban,
    companyName: r.company_name,
    warpField: r.warp_field,
    hubspotProperty: r.hubspot_property,
    warpValue: r.conflict_warp_value,
    hubspotValue: r.conflict_hubspot_value,
    warpChangedAt: r.conflict_warp_at,
    hubspotChangedAt: r.conflict_hubspot_at,
    openedAt: r.conflict_opened_at,
  }));
}

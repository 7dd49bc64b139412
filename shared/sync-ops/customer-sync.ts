import { z } from 'zod';
import type { Principal } from '../auth/principal.js';
import { inTransaction, type Db } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import { findVisibleCustomer } from '../customers/repository.js';
import { claimIdempotencyKey, requestHash, storeIdempotentResponse, type StoredResponse } from '../customers/idempotency.js';
import { loadFieldStates } from '../sync-store/field-state-repository.js';
import { loadEffectiveMappings } from '../sync-store/mapping-repository.js';
import { insertSyncLog } from '../sync-store/sync-log-repository.js';
import { successBody } from '../http/envelope.js';
import { enqueueOperatorResync, publishOperatorResync, type ResyncPublishing } from '../sync-admin/operator-resync.js';
import { CONFLICT_RULES, DIRECTIONS } from '../sync/field-mapping.js';
import { getPath } from '../sync/json-path.js';
import { transformFor } from '../sync/transforms.js';
import { bigIdSchema, idCursor, isoDate } from './paging.js';
import { listSyncLog, SYNC_LOG_PAGE_SIZE, syncLogPageSchema } from './sync-log.js';

const NOT_FOUND = () => new AppError('NOT_FOUND', 'Customer not found');

export const customerSyncQuerySchema = z.object({
  /** The log page after this one (nextCursor of the previous answer). */
  logCursor: idCursor.optional(),
});

const canonical = z.string().nullable();

export const customerSyncFieldSchema = z.object({
  warpField: z.string(),
  hubspotProperty: z.string(),
  direction: z.enum(DIRECTIONS),
  conflictRule: z.enum(CONFLICT_RULES),
  enabled: z.boolean(),
  /** WARP's current value in canonical form; null with warpValueError when it cannot be read. */
  warpValue: canonical,
  warpValueError: z.string().nullable(),
  /** HubSpot's value as last seen: the conflicting value while a conflict is open, else the base. */
  lastKnownHubspotValue: canonical,
  /** The last value both sides agreed on; hasBase false before the first agreement. */
  base: canonical,
  hasBase: z.boolean(),
  lastSyncedAt: isoDate.nullable(),
  openConflict: z
    .object({
      warpValue: canonical,
      hubspotValue: canonical,
      warpChangedAt: isoDate.nullable(),
      hubspotChangedAt: isoDate.nullable(),
      openedAt: isoDate.nullable(),
    })
    .nullable(),
});

export const customerSyncViewSchema = z.object({
  customerId: z.string(),
  ban: z.string(),
  companyName: z.string(),
  link: z.object({ hubspotCompanyId: z.string().nullable(), status: z.string() }),
  /** Set when the customer's mapping overrides do not resolve: nothing of it syncs until fixed. */
  mappingError: z.string().nullable(),
  fields: z.array(customerSyncFieldSchema),
  /** The last sync log rows, newest first (50 per page; page on with logCursor). */
  log: syncLogPageSchema,
});
export type CustomerSyncView = z.output<typeof customerSyncViewSchema>;

export const resyncAcceptedSchema = z.object({
  customerId: z.string(),
  /** The RESYNC row; published at once when Pub/Sub answers, else by the outbox relay. */
  outboxId: bigIdSchema,
});

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/** Every mapped field's state on both sides, the company link and the latest sync log of one visible customer. */
export async function customerSyncView(
  db: Db,
  principal: Principal,
  customerId: string,
  logCursor: { id: string } | undefined,
): Promise<CustomerSyncView> {
  const customer = await findVisibleCustomer(db, principal.customerScope, { id: customerId });
  if (!customer) throw NOT_FOUND();
  // One after the other: one pooled connection per request.
  const mappings = await loadEffectiveMappings(db, [customerId]);
  const states = await loadFieldStates(db, [customerId]);
  const log = await listSyncLog(db, { customerId, limit: SYNC_LOG_PAGE_SIZE, cursor: logCursor });
  const effective = mappings.get(customerId)!;
  const stateOf = states.get(customerId)!;
  const rows = await db
    .selectFrom('hubspot_field_state')
    .select(['warp_field', 'last_synced_at', 'conflict_opened_at'])
    .where('customer_id', '=', customerId)
    .execute();
  const fields = (effective.ok ? effective.mappings : []).map((m): z.output<typeof customerSyncFieldSchema> => {
    const read = transformFor(m.transform).fromWarp(getPath(customer, m.warpField));
    const state = stateOf[m.warpField];
    const row = rows.find((r) => r.warp_field === m.warpField);
    const conflict = state?.openConflict ?? null;
    const base = state?.base ?? null;
    return {
      warpField: m.warpField,
      hubspotProperty: m.hubspotProperty,
      direction: m.direction,
      conflictRule: m.conflictRule,
      enabled: m.enabled ?? true,
      warpValue: read.ok ? read.value : null,
      warpValueError: read.ok ? null : read.error.message,
      lastKnownHubspotValue: conflict ? conflict.hubspotValue : base,
      base,
      hasBase: state !== undefined && state.base !== undefined,
      lastSyncedAt: iso(row?.last_synced_at),
      openConflict: conflict && {
        warpValue: conflict.warpValue,
        hubspotValue: conflict.hubspotValue,
        warpChangedAt: iso(conflict.warpChangedAt),
        hubspotChangedAt: iso(conflict.hubspotChangedAt),
        openedAt: iso(row?.conflict_opened_at),
      },
    };
  });
  return {
    customerId,
    ban: customer.ban,
    companyName: customer.company_name,
    link: { hubspotCompanyId: customer.hubspot_company_id, status: customer.hubspot_link_status },
    mappingError: effective.ok ? null : effective.error,
    fields,
    log,
  };
}

/**
 * Forces a RESYNC of one visible customer: the outbox row and its log entry commit together, then
 * the row is published (or left to the relay). With an Idempotency-Key, a retry by the same user
 * gets the first answer and enqueues nothing; the key is bound to this customer's resync.
 */
export async function forceResync(
  db: Db,
  principal: Principal,
  customerId: string,
  options: { idempotencyKey?: string; publishing?: ResyncPublishing; now?: Date },
): Promise<StoredResponse> {
  const now = options.now ?? new Date();
  const claim = options.idempotencyKey
    ? { userId: principal.userId, key: options.idempotencyKey, hash: requestHash({ operation: 'RESYNC', customerId }) }
    : undefined;
  const result = await inTransaction(db, async (tx) => {
    const customer = await findVisibleCustomer(tx, principal.customerScope, { id: customerId });
    if (!customer) throw NOT_FOUND();
    const replay = claim ? await claimIdempotencyKey(tx, claim) : undefined;
    if (replay) return { response: replay, outboxId: null };
    const outboxId = await enqueueOperatorResync(tx, customerId, [], principal.userId, now);
    await insertSyncLog(tx, [
      {
        customer_id: customerId,
        hubspot_company_id: customer.hubspot_company_id,
        outbox_id: outboxId,
        direction: 'NONE',
        operation: 'RESYNC_REQUESTED',
        status: 'SUCCESS',
        fields: { by: principal.userId },
      },
    ]);
    // Stored before commit: a concurrent duplicate waits on the key's row, then replays this.
    const response: StoredResponse = { status: 202, body: successBody({ customerId, outboxId }), etag: '' };
    if (claim) await storeIdempotentResponse(tx, claim, customerId, response);
    return { response, outboxId };
  });
  if (result.outboxId !== null) await publishOperatorResync(db, options.publishing, result.outboxId);
  return result.response;
}

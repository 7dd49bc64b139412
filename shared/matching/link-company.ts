import { sql } from 'kysely';
import type { Tx } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import { lockCustomersForSync } from '../sync-store/customer-sync-lock.js';
import { saveFieldStates } from '../sync-store/field-state-repository.js';
import { loadEffectiveMappings } from '../sync-store/mapping-repository.js';
import { inSavepoint } from '../db/savepoint.js';
import type { SyncCustomer } from '../sync-store/sync-customer-repository.js';
import { insertSyncLog } from '../sync-store/sync-log-repository.js';
import { forgetFieldStates } from '../inbound-sync/linked-customers.js';
import { enqueueOperatorResync } from '../sync-admin/operator-resync.js';
import type { FieldMapping } from '../sync/field-mapping.js';
import { planCustomerSync, type HubspotSide } from '../sync/plan-customer.js';
import type { Canonical } from '../sync/transforms.js';
import type { MatchRule } from './match.js';

/** How a link was chosen: a matching rule, or a person picking the company (MANUAL). */
export type LinkRule = MatchRule | 'MANUAL';

/** The company as read from HubSpot just before linking (every mapped property). */
export interface LinkedCompany extends Pick<HubspotSide, 'properties' | 'changedAt'> {
  id: string;
}

export interface LinkCompanyRequest {
  customerId: string;
  company: LinkedCompany;
  rule: LinkRule;
  /** Who applied the link (a user id, or the run that did). */
  actor: string;
  now: Date;
  /** The match run the link comes from, for the sync log. */
  matchRunId?: string;
}

/** A mapped field the two sides disagree on: no base, so the first sync settles it by the field's rule. */
export interface LinkDifference {
  warpField: string;
  hubspotProperty: string;
  direction: FieldMapping['direction'];
  conflictRule: FieldMapping['conflictRule'];
  warpValue: Canonical;
  hubspotValue: Canonical;
}

export interface LinkCompanyResult {
  customer: SyncCustomer;
  previousCompanyId: string | null;
  /** Fields both sides agreed on: their base is now that value. */
  agreedFields: string[];
  differences: LinkDifference[];
  /** The RESYNC that carries the link to HubSpot (stamps warp_ban); null when it was linked already. */
  outboxId: string | null;
}

/**
 * Links one customer to one HubSpot company in the caller's transaction, under the customer's
 * sync lock. Where the two sides hold the same value the base becomes that value, so the first
 * sync of the pair is a three-way decision and not a blind overwrite of either side; where they
 * differ the field keeps no base and its configured rule decides (the differences are returned
 * for the report). The stored bases of an earlier company go: they say nothing about this one.
 *
 * HubSpot is not written here (a HubSpot write cannot be part of a database transaction): the
 * RESYNC enqueued in the same transaction makes the normal push stamp `warp_ban` on the company,
 * with the outbox's retries, parking and relay, so a failed stamp is never lost. The caller
 * publishes `outboxId` after commit (publishOperatorResync), else the relay does.
 *
 * Refused with 409 COMPANY_ALREADY_LINKED when the company belongs to another customer (the
 * unique constraint decides a race), and 409 CONFLICT when the customer is linked to another
 * live company (unlink it first, so that company's `warp_ban` is cleared).
 */
export async function linkCompany(tx: Tx, request: LinkCompanyRequest): Promise<LinkCompanyResult> {
  const { customerId, company, now } = request;
  const customer = await lockCustomer(tx, customerId);
  const previousCompanyId = customer.hubspot_company_id;
  if (previousCompanyId === company.id && customer.hubspot_link_status === 'LINKED') {
    return { customer, previousCompanyId, agreedFields: [], differences: [], outboxId: null };
  }
  if (previousCompanyId !== null && previousCompanyId !== company.id && customer.hubspot_link_status === 'LINKED') {
    throw new AppError('CONFLICT', `Customer is linked to HubSpot company ${previousCompanyId}; unlink it first`, {
      companyId: previousCompanyId,
    });
  }
  if (customer.hubspot_link_status === 'DETACHED' && previousCompanyId !== null) {
    throw new AppError(
      'CONFLICT',
      `The unlink from HubSpot company ${previousCompanyId} is still being carried to HubSpot; try again shortly`,
      { companyId: previousCompanyId },
    );
  }
  await refuseIfLinkedElsewhere(tx, customerId, company.id);
  const stored = await inSavepoint(tx, () => storeLink(tx, customer, company.id, request.actor, now));
  if (!stored.ok) {
    // Another customer took the company between the check and the write.
    await refuseIfLinkedElsewhere(tx, customerId, company.id);
    throw stored.error;
  }
  const linked = stored.value;
  await forgetFieldStates(tx, customerId);
  const { agreedFields, differences } = await agreeBases(tx, linked, company, now);
  const outboxId = await enqueueOperatorResync(tx, customerId, ['ban'], request.actor, now);
  await insertSyncLog(tx, [
    {
      customer_id: customerId,
      hubspot_company_id: company.id,
      direction: 'NONE',
      operation: 'LINK_COMPANY',
      status: 'SUCCESS',
      outbox_id: outboxId,
      fields: {
        hubspot_company_id: { hubspotProperty: 'hs_object_id', old: previousCompanyId, new: company.id },
        rule: request.rule,
        by: request.actor,
        ...(request.matchRunId === undefined ? {} : { matchRunId: request.matchRunId }),
        agreedFields,
        differences,
      },
    },
  ]);
  return { customer: linked, previousCompanyId, agreedFields, differences, outboxId };
}

/** The customer under its sync lock and row lock, so no sync or API write races the link. */
export async function lockCustomer(tx: Tx, customerId: string): Promise<SyncCustomer> {
  await lockCustomersForSync(tx, [customerId]);
  const customer = await tx.selectFrom('customers').selectAll().where('id', '=', customerId).forUpdate().executeTakeFirst();
  if (!customer) throw new AppError('NOT_FOUND', 'Customer not found');
  return customer;
}

async function refuseIfLinkedElsewhere(tx: Tx, customerId: string, companyId: string): Promise<void> {
  const holder = await tx
    .selectFrom('customers')
    .select('id')
    .where('hubspot_company_id', '=', companyId)
    .where('id', '!=', customerId)
    .executeTakeFirst();
  if (holder) {
    throw new AppError('COMPANY_ALREADY_LINKED', `HubSpot company ${companyId} is linked to another customer`, {
      companyId,
      linkedCustomerId: holder.id,
    });
  }
}

/** A link write: it bumps the version (the representation shows the link) and writes no outbox row of its own. */
function storeLink(tx: Tx, customer: SyncCustomer, companyId: string, actor: string, now: Date): Promise<SyncCustomer> {
  return tx
    .updateTable('customers')
    .set({ hubspot_company_id: companyId, hubspot_link_status: 'LINKED', version: sql`version + 1`, updated_at: now, updated_by: actor })
    .where('id', '=', customer.id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Stores a base for every synced field both sides already agree on and returns the others.
 * The planner reads both sides (transforms, canonical form) exactly as the first sync will.
 */
export async function agreeBases(
  tx: Tx,
  customer: SyncCustomer,
  company: LinkedCompany,
  now: Date,
): Promise<{ agreedFields: string[]; differences: LinkDifference[] }> {
  const effective = (await loadEffectiveMappings(tx, [customer.id])).get(customer.id);
  // An invalid override fails the customer's sync with its own error; there is nothing to agree on.
  if (!effective?.ok) return { agreedFields: [], differences: [] };
  const synced = effective.mappings.filter((m) => m.enabled && m.direction !== 'NONE');
  const plan = planCustomerSync({ mappings: synced, warp: { customer }, hubspot: { properties: company.properties } });
  const agreed = plan.decisions.filter((d) => d.warpValue === d.hubspotValue);
  const differences = plan.decisions
    .filter((d) => d.warpValue !== d.hubspotValue)
    .map((d) => ({
      warpField: d.warpField,
      hubspotProperty: d.hubspotProperty,
      direction: d.direction,
      conflictRule: d.conflictRule,
      warpValue: d.warpValue,
      hubspotValue: d.hubspotValue,
    }));
  await saveFieldStates(
    tx,
    customer.id,
    {
      newBases: Object.fromEntries(agreed.map((d) => [d.warpField, d.warpValue])),
      conflicts: [],
      closedConflicts: [],
      decisions: agreed,
    },
    { warpChangedAt: {}, hubspotChangedAt: company.changedAt ?? {} },
    now,
  );
  return { agreedFields: agreed.map((d) => d.warpField), differences };
}

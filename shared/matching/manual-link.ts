import { sql } from 'kysely';
import { z } from 'zod';
import type { Principal } from '../auth/principal.js';
import { inTransaction, type Db } from '../db/database.js';
import { customerIsVisible } from '../customers/repository.js';
import { AppError } from '../errors/app-error.js';
import { loadEffectiveMappings } from '../sync-store/mapping-repository.js';
import { insertSyncLog } from '../sync-store/sync-log-repository.js';
import type { HubspotCompanies } from '../hubspot/client/hubspot-companies.js';
import { forgetFieldStates } from '../inbound-sync/linked-customers.js';
import { readCompanies } from '../reconciliation/dry-run.js';
import { enqueueOperatorResync, publishOperatorResync, type ResyncPublishing } from '../sync-admin/operator-resync.js';
import { linkCompany, lockCustomer } from './link-company.js';
import { MATCH_PROPERTIES } from './match-run.js';
import { systemClock, type Clock } from '../runtime/clock.js';

/** HubSpot reads a person's linking needs: the customer API holds a read-scoped token only. */
export interface LinkingHubspot {
  companies: Pick<HubspotCompanies, 'batchReadWithHistory' | 'searchCompanies'>;
  /** Our HubSpot app's id: our own writes in the history are recognized as the sync does. */
  hubspotAppId?: string;
}

export interface ManualLinkDeps {
  db: Db;
  hubspot: LinkingHubspot;
  /** Publishes the link's RESYNC after commit; without it the outbox relay does. */
  publishing?: ResyncPublishing;
  now?: Clock;
}

export const linkBodySchema = z.strictObject({ companyId: z.string().regex(/^\d{1,20}$/, 'must be a HubSpot company id') });

export const candidatesQuerySchema = z.strictObject({
  q: z.string().trim().min(2, 'must be at least 2 characters').max(200),
  limit: z.coerce.number().int().min(1).max(50).default(20),
});

const differenceSchema = z.object({
  warpField: z.string(),
  hubspotProperty: z.string(),
  direction: z.string(),
  conflictRule: z.string(),
  warpValue: z.unknown(),
  hubspotValue: z.unknown(),
});

export const linkResultSchema = z.object({
  customerId: z.string(),
  companyId: z.string(),
  previousCompanyId: z.string().nullable(),
  /** Fields both sides held equal: their base is that value now. */
  agreedFields: z.array(z.string()),
  /** Fields the two sides disagree on: the first sync settles each by its rule. */
  differences: z.array(differenceSchema),
  /** The RESYNC that stamps warp_ban on the company; null when the customer was linked to it already. */
  outboxId: z.string().nullable(),
});

export const unlinkResultSchema = z.object({
  customerId: z.string(),
  companyId: z.string(),
  /** The RESYNC that clears warp_ban on the company. */
  outboxId: z.string(),
});

export const candidateSchema = z.object({
  companyId: z.string(),
  name: z.string().nullable(),
  domain: z.string().nullable(),
  city: z.string().nullable(),
  country: z.string().nullable(),
  /** Set when a customer carries this company's link already (it cannot be linked to another). */
  linkedCustomerId: z.string().nullable(),
  warpBan: z.string().nullable(),
});
export const candidatesSchema = z.object({ items: z.array(candidateSchema) });

/**
 * Links a visible customer to the company a person chose (or relinks it after its company was
 * deleted). The company is read from HubSpot first, so the stored bases agree with what HubSpot
 * holds now; a company that is gone, or carries another customer's BAN, is refused.
 */
export async function linkByHand(
  deps: ManualLinkDeps,
  principal: Principal,
  customerId: string,
  companyId: string,
): Promise<z.output<typeof linkResultSchema>> {
  const now = (deps.now ?? systemClock)();
  await visibleCustomer(deps.db, principal, customerId);
  const mappings = (await loadEffectiveMappings(deps.db, [customerId])).get(customerId);
  const properties = new Set(['warp_ban', ...(mappings?.ok ? mappings.mappings.map((m) => m.hubspotProperty) : [])]);
  const company = (await readCompanies(deps.hubspot, [companyId], [...properties])).get(companyId);
  if (!company) throw new AppError('NOT_FOUND', `HubSpot has no company ${companyId}`, { field: 'companyId', companyId });
  const result = await inTransaction(deps.db, async (tx) => {
    const stamped = company.properties.warp_ban?.trim();
    if (stamped) {
      const holder = await tx.selectFrom('customers').select(['id', 'ban']).where('ban', '=', stamped).executeTakeFirst();
      if (holder && holder.id !== customerId) {
        throw new AppError('COMPANY_ALREADY_LINKED', `HubSpot company ${companyId} carries the BAN of another customer`, {
          companyId,
          linkedCustomerId: holder.id,
        });
      }
    }
    return linkCompany(tx, { customerId, company: { id: companyId, ...company }, rule: 'MANUAL', actor: principal.userId, now });
  });
  if (result.outboxId) await publishOperatorResync(deps.db, deps.publishing, result.outboxId);
  return {
    customerId,
    companyId,
    previousCompanyId: result.previousCompanyId,
    agreedFields: result.agreedFields,
    differences: result.differences,
    outboxId: result.outboxId,
  };
}

/**
 * Unlinks a visible customer from its company. The company stays in HubSpot; the customer is
 * DETACHED: the RESYNC enqueued with it makes the sync clear `warp_ban` on the company (HubSpot
 * is written by the sync worker alone), then the customer is not synced, and no company is
 * created for it, until it is linked again.
 */
export async function unlinkByHand(
  deps: Pick<ManualLinkDeps, 'db' | 'publishing' | 'now'>,
  principal: Principal,
  customerId: string,
): Promise<z.output<typeof unlinkResultSchema>> {
  const now = (deps.now ?? systemClock)();
  await visibleCustomer(deps.db, principal, customerId);
  const result = await inTransaction(deps.db, async (tx) => {
    const customer = await lockCustomer(tx, customerId);
    const companyId = customer.hubspot_company_id;
    if (companyId === null || customer.hubspot_link_status === 'DETACHED') {
      throw new AppError('CONFLICT', 'The customer is not linked to a HubSpot company', {
        status: customer.hubspot_link_status,
        companyId,
      });
    }
    await tx
      .updateTable('customers')
      .set({ hubspot_link_status: 'DETACHED', version: sql`version + 1`, updated_at: now, updated_by: principal.userId })
      .where('id', '=', customerId)
      .execute();
    await forgetFieldStates(tx, customerId);
    const outboxId = await enqueueOperatorResync(tx, customerId, ['ban'], principal.userId, now);
    await insertSyncLog(tx, [
      {
        customer_id: customerId,
        hubspot_company_id: companyId,
        direction: 'NONE',
        operation: 'UNLINK_COMPANY',
        status: 'SUCCESS',
        outbox_id: outboxId,
        fields: { hubspot_company_id: { hubspotProperty: 'hs_object_id', old: companyId, new: null }, by: principal.userId },
      },
    ]);
    return { companyId, outboxId };
  });
  await publishOperatorResync(deps.db, deps.publishing, result.outboxId);
  return { customerId, ...result };
}

/** HubSpot companies a person may link the customer to: HubSpot's own text search (name, domain, website, phone). */
export async function searchCandidates(
  deps: Pick<ManualLinkDeps, 'db' | 'hubspot'>,
  principal: Principal,
  customerId: string,
  query: z.output<typeof candidatesQuerySchema>,
): Promise<z.output<typeof candidatesSchema>> {
  await visibleCustomer(deps.db, principal, customerId);
  const page = await deps.hubspot.companies.searchCompanies({ query: query.q, properties: MATCH_PROPERTIES, pageSize: query.limit });
  const ids = page.results.map((c) => c.id);
  const holders =
    ids.length === 0
      ? []
      : await deps.db.selectFrom('customers').select(['id', 'hubspot_company_id']).where('hubspot_company_id', 'in', ids).execute();
  const holderOf = new Map(holders.map((h) => [h.hubspot_company_id, h.id]));
  const value = (v: string | null | undefined) => (v ? v : null);
  return {
    items: page.results.map((c) => ({
      companyId: c.id,
      name: value(c.properties.name),
      domain: value(c.properties.domain),
      city: value(c.properties.city),
      country: value(c.properties.country),
      linkedCustomerId: holderOf.get(c.id) ?? null,
      warpBan: value(c.properties.warp_ban),
    })),
  };
}

async function visibleCustomer(db: Db, principal: Principal, customerId: string): Promise<void> {
  if (!(await customerIsVisible(db, principal.customerScope, customerId))) throw new AppError('NOT_FOUND', 'Customer not found');
}

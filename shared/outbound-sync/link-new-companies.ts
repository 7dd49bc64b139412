import { inTransaction, type Tx } from '../db/database.js';
import type { Logger } from '../logging/logger.js';
import { findExistingCompanies, type ExistingCompany } from '../matching/existing-companies.js';
import type { MatchRule } from '../matching/match.js';
import { lockCustomersForSync } from '../sync-store/customer-sync-lock.js';
import { describeWriteError, inSavepoint } from '../db/savepoint.js';
import { lastId, type CustomerWork, type StageOf } from './customer-work.js';
import { linkCustomerToCompany, markLinkNeedsAttention } from '../sync-store/sync-customer-repository.js';
import type { NewSyncLogEntry } from '../sync-store/sync-log-repository.js';
import type { CompanyGateway } from './sync-claimed-rows.js';

export interface LinkDeps {
  db: Parameters<typeof inTransaction>[0];
  companies: CompanyGateway;
  log: Logger;
  matchNewCustomers?: boolean;
}

/** PostgreSQL's unique_violation: the company is linked to another customer already. */
const UNIQUE_VIOLATION = '23505';

/**
 * Customers without a company get one by upsert on `warp_ban`: a retry after a crash, or two
 * workers racing, land on the same company. Only the BAN is sent; the normal plan fills the rest,
 * so a company that already existed keeps the values HubSpot owns, and they reach WARP in this
 * same sync. The links are stored at once, in a short transaction of their own under the sync
 * locks, before anything else is written to the company: a company linked to another customer
 * (a `warp_ban` edited in HubSpot, say) is never written for this one. That customer is marked
 * NEEDS_ATTENTION and logged as an ERROR with both ids. With matchNewCustomers, a customer for
 * whom sales made a company already (existing-companies.ts) is linked to it instead, and the plan
 * stamps its BAN there. Returns each customer's stage (linked, or why not) and apart the customers
 * to plan again: linked by another sync meanwhile, or not linked for a transient database error.
 */
export async function linkNewCompanies(deps: LinkDeps, work: readonly CustomerWork[], now: Date, traceId?: string): Promise<LinkedRound> {
  const stages: LinkedRound['stages'] = [];
  const unlinked: CustomerWork[] = [];
  for (const w of work) {
    const companyId = w.customer.hubspot_company_id;
    if (companyId) stages.push({ kind: 'LINKED', work: w, companyId, created: null, logs: [] });
    else unlinked.push(w);
  }
  if (unlinked.length === 0) return { stages, stale: [] };
  const search = deps.companies.searchCompanies;
  const existing =
    deps.matchNewCustomers && search
      ? await findExistingCompanies(
          { db: deps.db, companies: { searchCompanies: search } },
          unlinked.map((w) => w.customer),
        )
      : new Map<string, ExistingCompany>();
  const toCreate = unlinked.filter((w) => !existing.has(w.customer.id));
  const outcomes =
    toCreate.length === 0
      ? []
      : await deps.companies.batchUpsertByUniqueProperty(
          toCreate.map((w) => ({ idValue: w.customer.ban, properties: { warp_ban: w.customer.ban } })),
          'warp_ban',
        );
  const byBan = new Map(outcomes.map((o) => [o.idValue, o]));
  const toLink: Array<{ w: CustomerWork; companyId: string; created: boolean; rule?: MatchRule }> = [];
  for (const w of unlinked) {
    const match = existing.get(w.customer.id);
    if (match) {
      toLink.push({ w, companyId: match.companyId, created: false, rule: match.rule });
      continue;
    }
    const outcome = byBan.get(w.customer.ban);
    if (!outcome || outcome.status === 'INVALID') {
      const message = outcome?.error.message ?? 'no upsert result';
      const failed: NewSyncLogEntry = {
        ...linkEntry(w, traceId),
        status: 'FAILED',
        error_code: 'HUBSPOT_VALIDATION',
        error_message: message,
      };
      stages.push(notLinked(w, `HubSpot refused the company: ${message}`, failed));
    } else {
      toLink.push({ w, companyId: outcome.record.id, created: outcome.status === 'CREATED' });
    }
  }
  if (toLink.length === 0) return { stages, stale: [] };
  return inTransaction(deps.db, async (tx) => {
    await lockCustomersForSync(
      tx,
      toLink.map((l) => l.w.customer.id),
    );
    const stale: CustomerWork[] = [];
    for (const { w, companyId, created, rule } of toLink) {
      const linked = await inSavepoint(tx, () => linkCustomerToCompany(tx, w.customer.id, companyId, now));
      if (!linked.ok && !linked.retryable) {
        stages.push(await linkFailure(deps.log, tx, w, companyId, linked.error, traceId));
        continue;
      }
      if (!linked.ok || !linked.value) {
        stale.push(w);
        continue;
      }
      const customer = linked.value;
      stages.push({
        kind: 'LINKED',
        work: { ...w, customer },
        companyId,
        created: created ? { properties: { warp_ban: customer.ban }, changedAt: {} } : null,
        logs: [
          {
            ...linkEntry(w, traceId),
            hubspot_company_id: companyId,
            operation: created ? 'CREATE_COMPANY' : 'LINK_COMPANY',
            status: 'SUCCESS',
            fields: { hubspot_company_id: { hubspotProperty: 'hs_object_id', old: null, new: companyId }, ...(rule ? { rule } : {}) },
          },
        ],
      });
    }
    return { stages, stale };
  });
}

export interface LinkedRound {
  stages: Array<StageOf<'LINKED' | 'NOT_LINKED'>>;
  stale: CustomerWork[];
}

function notLinked(work: CustomerWork, reason: string, entry: NewSyncLogEntry): StageOf<'NOT_LINKED'> {
  return { kind: 'NOT_LINKED', work, companyId: null, reason, logs: [entry] };
}

async function linkFailure(
  log: Logger,
  tx: Tx,
  w: CustomerWork,
  companyId: string,
  error: Error,
  traceId?: string,
): Promise<StageOf<'NOT_LINKED'>> {
  const message = describeWriteError(error);
  const entry: NewSyncLogEntry = {
    ...linkEntry(w, traceId),
    hubspot_company_id: companyId,
    status: 'FAILED',
    error_code: 'WARP_WRITE_FAILED',
    error_message: message,
  };
  if ((error as { code?: unknown }).code !== UNIQUE_VIOLATION) return notLinked(w, `WARP write failed: ${message}`, entry);
  const holder = await tx.selectFrom('customers').select('id').where('hubspot_company_id', '=', companyId).executeTakeFirst();
  await markLinkNeedsAttention(tx, w.customer.id);
  const reason = `HubSpot company ${companyId} (warp_ban ${w.customer.ban}) is linked to customer ${holder?.id ?? 'unknown'} already`;
  log.error('customer cannot be linked: its HubSpot company belongs to another customer; a person must relink one of them', {
    customerId: w.customer.id,
    companyId,
    linkedCustomerId: holder?.id,
    ban: w.customer.ban,
  });
  return notLinked(w, `link conflict: ${reason}`, { ...entry, error_code: 'LINK_CONFLICT', error_message: reason });
}

function linkEntry(w: CustomerWork, traceId?: string) {
  return {
    customer_id: w.customer.id,
    outbox_id: lastId(w.rows),
    trace_id: traceId ?? null,
    direction: 'WARP_TO_HUBSPOT' as const,
    operation: 'LINK_COMPANY',
  };
}

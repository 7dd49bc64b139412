import type { CompanyGateway } from './sync-claimed-rows.js';

/**
 * A batch holds its claim (and a pool connection with its customers' sync locks) while it calls
 * HubSpot. If that outlived the claim lease, another worker could claim the same rows and sync
 * them twice. So no HubSpot call of a batch starts later than this share of the lease after the
 * claim, and no single wait for the shared budget takes longer than BUDGET_WAIT_SHARE of it: a
 * call started just before the deadline still ends well inside the lease. The lease is renewed
 * before the write phase (renewClaims), so the writes and the commit get a fresh one.
 */
export const HUBSPOT_SHARE_OF_LEASE = 0.5;
const BUDGET_WAIT_SHARE = 0.125;

/** The last moment a batch claimed at `claimedAt` may start a HubSpot call. */
export function hubspotDeadline(claimedAt: Date, leaseMs: number): Date {
  return new Date(claimedAt.getTime() + Math.floor(leaseMs * HUBSPOT_SHARE_OF_LEASE));
}

/** The adapter's budget wait for a worker with this lease: the configured one, capped by the lease. */
export function budgetWaitForLease(leaseMs: number, configuredMs: number): number {
  return Math.min(configuredMs, Math.floor(leaseMs * BUDGET_WAIT_SHARE));
}

/** The batch ran out of its share of the lease; its rows go back for a retry. */
export class SyncDeadlineError extends Error {
  constructor(operation: string, deadline: Date) {
    super(`field sync batch past its HubSpot deadline (${deadline.toISOString()}); ${operation} not started`);
    this.name = 'SyncDeadlineError';
  }
}

/**
 * The gateway with the batch's deadline: a call that would start after it throws instead. A call
 * is never abandoned once started (a late write landing after a newer one would undo it).
 */
export function withDeadline(companies: CompanyGateway, deadline: Date, now: () => Date): CompanyGateway {
  const check = (operation: string) => {
    if (now() >= deadline) throw new SyncDeadlineError(operation, deadline);
  };
  return {
    batchReadWithHistory: async (...args) => {
      check('batch read');
      return companies.batchReadWithHistory(...args);
    },
    batchReadCurrentValues: async (...args) => {
      check('batch read');
      return companies.batchReadCurrentValues(...args);
    },
    batchUpsertByUniqueProperty: async (...args) => {
      check('batch upsert');
      return companies.batchUpsertByUniqueProperty(...args);
    },
    batchUpdate: async (...args) => {
      check('batch update');
      return companies.batchUpdate(...args);
    },
    ...(companies.searchCompanies && {
      searchCompanies: async (...args: Parameters<NonNullable<CompanyGateway['searchCompanies']>>) => {
        check('search');
        return companies.searchCompanies!(...args);
      },
    }),
  };
}

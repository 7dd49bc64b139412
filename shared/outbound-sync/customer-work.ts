import type { ClaimedOutboxRow } from '../outbox/outbox-claims.js';
import type { FieldMapping } from '../sync/field-mapping.js';
import type { CustomerSyncPlan, HubspotSide } from '../sync/plan-customer.js';
import type { CustomerFieldStates } from '../sync-store/field-state-repository.js';
import type { SyncCustomer } from '../sync-store/sync-customer-repository.js';
import type { NewSyncLogEntry } from '../sync-store/sync-log-repository.js';
import type { PushOutcome } from './sync-log-entries.js';

/** One customer of a batch as the snapshot read it. */
export interface CustomerWork {
  customer: SyncCustomer;
  rows: ClaimedOutboxRow[];
  mappings: FieldMapping[];
  states: CustomerFieldStates;
  /** When WARP last changed each mapped field, from the customer's whole outbox. */
  warpChangedAt: Record<string, Date | null>;
  /** A RESYNC is among its rows: a re-check, which weighs HubSpot's history (see decideField). */
  recheck: boolean;
}

/** What every stage carries: the customer, and what already happened to it this round (its link), logged when it settles. */
interface Staged {
  work: CustomerWork;
  logs: NewSyncLogEntry[];
}

/**
 * Where a customer stands after each phase of a round. Each phase takes the stages the one
 * before returned and returns new ones (link, read, plan, push); the settle phase writes what
 * the last stage says.
 */
export type CustomerStage =
  | (Staged & { kind: 'NOT_LINKED'; companyId: null; reason: string })
  /** `created`: the company was created just now and holds only the BAN, so it need not be read. */
  | (Staged & { kind: 'LINKED'; companyId: string; created: HubspotSide | null })
  | (Staged & { kind: 'READ'; companyId: string; hubspot: HubspotSide })
  /** HubSpot no longer has the company (archived or deleted before its webhook reached us). */
  | (Staged & { kind: 'COMPANY_GONE'; companyId: string })
  /** HubSpot merged the company into `survivor` (the read answered with the surviving company). */
  | (Staged & { kind: 'MERGED_AWAY'; companyId: string; survivor: string })
  | (Staged & { kind: 'PLANNED'; companyId: string; hubspot: HubspotSide; plan: CustomerSyncPlan; push: PushOutcome });

export type StageOf<K extends CustomerStage['kind']> = Extract<CustomerStage, { kind: K }>;

/** The stages a round settles: everything but the companies merged away, which wait for the merge webhook. */
export type SettlingStage = StageOf<'NOT_LINKED' | 'COMPANY_GONE' | 'PLANNED'>;

export function lastId(rows: readonly ClaimedOutboxRow[]): string {
  return rows[rows.length - 1]!.id;
}

import type { ColumnType, Generated } from 'kysely';
import type { ReconciliationRunStatus } from './hubspot-sync.js';

/** jsonb holding an array: read as the array, written as its JSON text (pg would send a PostgreSQL array). */
type JsonArray<T> = ColumnType<T[], string, string>;

/** A matching candidate as stored in a proposal's `candidates`. */
export interface StoredCandidate {
  companyId: string;
  rule: string;
  confidence: number;
}

/** A mapped field both sides held differently when the link was made (see link-company.ts). */
export type StoredDifference = Record<string, unknown>;

export type MatchProposalStatus = 'MATCHED' | 'AMBIGUOUS' | 'NONE';
export type MatchProposalDecision = 'LINK' | 'BELOW_MIN_CONFIDENCE' | 'AMBIGUOUS' | 'NO_MATCH';
export type MatchApplyStatus = 'PENDING' | 'LINKED' | 'FAILED';

export interface HubspotMatchRunsTable {
  id: Generated<string>;
  status: Generated<ReconciliationRunStatus>;
  dry_run: boolean;
  /** NUMERIC(3,2): exact decimal text. */
  min_confidence: ColumnType<string, string, string>;
  message_id: string | null;
  started_by: string | null;
  applied_by: string | null;
  cursor: string;
  queued_at: Generated<Date>;
  started_at: Generated<Date>;
  finished_at: Date | null;
  customers_total: number | null;
  companies_listed: Generated<number>;
  linked: Generated<number>;
  hubspot_calls: Generated<number>;
  errors: Generated<number>;
  error: string | null;
}

export interface HubspotMatchCompaniesTable {
  run_id: string;
  company_id: string;
  name: string | null;
  domain: string | null;
  warp_ban: string | null;
  country: string | null;
  zip: string | null;
  city: string | null;
}

export interface HubspotMatchProposalsTable {
  id: Generated<string>;
  run_id: string;
  customer_id: string;
  status: MatchProposalStatus;
  decision: MatchProposalDecision;
  company_id: string | null;
  rule: string | null;
  confidence: ColumnType<string | null, string | null, string | null>;
  ambiguity: string | null;
  contested_with: string[];
  candidates: JsonArray<StoredCandidate>;
  apply_status: MatchApplyStatus | null;
  apply_error: string | null;
  differences: ColumnType<StoredDifference[] | null, string | null, string | null>;
  applied_at: Date | null;
}

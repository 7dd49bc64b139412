/**
 * What the sync services need from HubSpot companies, and nothing more. Every
 * method spends the shared rate budget and applies the retry policy; failures
 * arrive as the typed errors of ./errors.ts. Batches larger than HubSpot's
 * limits are split here (50 ids per read with history, 100 otherwise).
 */
import type { HubspotValidationError } from './errors.js';

export interface PropertyVersion {
  value: string;
  /** A valid time: the adapter refuses a response with any other. */
  timestamp: Date;
  sourceType: string;
  sourceId?: string;
}

export interface CompanyRecord {
  id: string;
  properties: Record<string, string | null>;
  /** Per property, newest first; present when history was asked for. */
  propertiesWithHistory?: Record<string, PropertyVersion[]>;
  archived: boolean;
  /** ISO 8601 */
  createdAt: string;
  updatedAt: string;
}

/** Property values to write; null clears the property (sent as ""). */
export type PropertyWrites = Record<string, string | null>;

export interface BatchReadResult {
  results: CompanyRecord[];
  /** Requested ids (or id-property values) HubSpot did not return. */
  missing: string[];
}

export interface BatchUpdateInput {
  id: string;
  properties: PropertyWrites;
}

export type BatchUpdateOutcome =
  | { id: string; status: 'UPDATED'; record: CompanyRecord }
  | { id: string; status: 'NOT_FOUND' }
  /** HubSpot refused this input (400, or 409 for a unique-value clash); the other inputs were still written. */
  | { id: string; status: 'INVALID'; error: HubspotValidationError };

export interface BatchUpsertInput {
  /** Value of the unique id property (e.g. the BAN for `warp_ban`). */
  idValue: string;
  properties: PropertyWrites;
}

export type BatchUpsertOutcome =
  | { idValue: string; status: 'CREATED' | 'UPDATED'; record: CompanyRecord }
  | { idValue: string; status: 'INVALID'; error: HubspotValidationError };

export interface SearchCompaniesRequest {
  /** Only companies modified at or after this instant (hs_lastmodifieddate >= since). */
  modifiedSince?: Date;
  /** Only companies modified before this instant (hs_lastmodifieddate < before). */
  modifiedBefore?: Date;
  properties: readonly string[];
  /** HubSpot's text search over name, domain, website and phone (for a person choosing a company). */
  query?: string;
  /** Companies whose property is one of the values, for any entry (one filter group each, ORed). */
  anyOf?: ReadonlyArray<{ propertyName: string; values: readonly string[] }>;
  /** Page size, at most 200 (HubSpot's maximum); default 100. */
  pageSize?: number;
}

/**
 * Keyset position: the last hs_object_id seen. Every page is a fresh query
 * (`hs_object_id > afterId`, sorted by hs_object_id) instead of HubSpot's
 * `after` offset, so a scan is not stopped by search's 10,000-result cap.
 */
export interface SearchCursor {
  afterId: string;
}

export interface SearchPage {
  results: CompanyRecord[];
  /** Pass back for the next page; undefined when the scan is complete. */
  next?: SearchCursor;
}

/** One page of every live company, in HubSpot's id order (GET /crm/v3/objects/companies). */
export interface ListPage {
  results: CompanyRecord[];
  /** HubSpot's opaque `after` for the next page; undefined on the last one. */
  after?: string;
}

export interface HubspotCompanies {
  batchReadWithHistory(ids: readonly string[], properties: readonly string[], options?: { archived?: boolean }): Promise<BatchReadResult>;
  /** Current values only, at 100 ids per call (twice the companies of a read with history). */
  batchReadCurrentValues(ids: readonly string[], properties: readonly string[]): Promise<BatchReadResult>;
  /** Reads by a unique-value property (e.g. `warp_ban`); `missing` lists values with no company. */
  batchReadByIdProperty(
    values: readonly string[],
    idProperty: string,
    properties: readonly string[],
    options?: { withHistory?: boolean },
  ): Promise<BatchReadResult>;
  /** Creates or updates by a unique-value property: retries and races never duplicate a company. */
  batchUpsertByUniqueProperty(inputs: readonly BatchUpsertInput[], idProperty: string): Promise<BatchUpsertOutcome[]>;
  /** One outcome per input, in input order. */
  batchUpdate(inputs: readonly BatchUpdateInput[]): Promise<BatchUpdateOutcome[]>;
  /** null when the company does not exist (or is archived and `archived` is not set). */
  getCompany(
    id: string,
    properties: readonly string[],
    options?: { archived?: boolean; withHistory?: boolean },
  ): Promise<CompanyRecord | null>;
  /**
   * One page of companies modified since a date, ordered by hs_object_id, for
   * reconciliation (start the next scan's `modifiedSince` at this scan's start).
   * Search lags writes by a few seconds and never returns archived companies;
   * each page spends the search budget (5/s) as well as the api budget.
   */
  searchCompanies(request: SearchCompaniesRequest, cursor?: SearchCursor): Promise<SearchPage>;
  /**
   * One page of all live companies with only `properties`, 100 per call (HubSpot's maximum
   * without history): the cheapest way to read a whole portal. Spends the api budget only.
   */
  listCompanies(properties: readonly string[], after?: string): Promise<ListPage>;
  /** Merges `mergedId` into `primaryId`; returns the surviving company. */
  mergeCompanies(primaryId: string, mergedId: string): Promise<CompanyRecord>;
}

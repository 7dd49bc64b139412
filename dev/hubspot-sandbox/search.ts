/**
 * CRM search over the index as HubSpot runs it: filterGroups ORed, filters in
 * a group ANDed, one sort, pages of at most 200, nothing past 10,000 results.
 */
import { validationError } from './hubspot-error.js';
import type { PropertyRegistry } from './property-registry.js';
import type { PropertyDefinition } from './property-types.js';
import type { SearchFilter, SearchRequest } from './request-schemas.js';
import { keyReader, LAST_MODIFIED, sortKey, type IndexedCompany, type Key, type SearchIndex } from './search-index.js';

export const SEARCH_LIMITS = { pageSize: 200, maxResults: 10_000, filterGroups: 5, filtersPerGroup: 6, filters: 18, bodyChars: 3000 };
const QUERY_PROPERTIES = ['name', 'domain', 'website', 'phone'];

export interface SearchOutcome {
  total: number;
  page: IndexedCompany[];
  nextAfter?: string;
}

/** The index as search reads it: every visible document, or those modified since an instant. */
export type SearchSource = Pick<SearchIndex, 'visible' | 'visibleModifiedSince'>;

export function runSearch(source: SearchSource, request: SearchRequest, registry: PropertyRegistry): SearchOutcome {
  const offset = checkPaging(request);
  checkShape(request, registry);
  const matchesFilters = matcherOf(request, registry);
  const matchesWords = queryMatcher(request.query);
  const since = modifiedLowerBound(request, registry);
  const docs = since === undefined ? source.visible() : source.visibleModifiedSince(since);
  const matches: IndexedCompany[] = [];
  for (const doc of docs) if (matchesWords(doc) && matchesFilters(doc)) matches.push(doc);
  const compare = comparator(request, registry);
  matches.sort(compare);
  const reachable = Math.min(matches.length, SEARCH_LIMITS.maxResults);
  const end = Math.min(offset + request.limit, reachable);
  const page = matches.slice(offset, end);
  return { total: matches.length, page, nextAfter: end < reachable ? String(end) : undefined };
}

/**
 * The earliest last-modified time a match can have, when every filter group bounds it from below
 * (GT, GTE, EQ, BETWEEN): the groups are ORed, so the loosest group's bound.
 */
function modifiedLowerBound(request: SearchRequest, registry: PropertyRegistry): number | undefined {
  if (request.filterGroups.length === 0) return undefined;
  const def = registry.live(LAST_MODIFIED);
  const bounds = request.filterGroups.map((group) => {
    const own = group.filters
      .filter((f) => f.propertyName === LAST_MODIFIED && ['GT', 'GTE', 'EQ', 'BETWEEN'].includes(f.operator))
      .map((f) => sortKey(def, f.value ?? ''))
      .filter((key) => typeof key === 'number');
    return own.length === 0 ? undefined : Math.max(...own);
  });
  return bounds.some((b) => b === undefined) ? undefined : Math.min(...(bounds as number[]));
}

function checkPaging(request: SearchRequest): number {
  if (request.limit > SEARCH_LIMITS.pageSize) {
    throw validationError(`limit must be at most ${SEARCH_LIMITS.pageSize}; got ${request.limit}.`);
  }
  const offset = request.after === undefined || request.after === '' ? 0 : Number(request.after);
  if (!Number.isInteger(offset) || offset < 0) throw validationError(`after "${request.after}" is not a valid paging token.`);
  if (offset >= SEARCH_LIMITS.maxResults) {
    throw validationError(`Search can page through at most ${SEARCH_LIMITS.maxResults} results; narrow the filters instead.`);
  }
  return offset;
}

function checkShape(request: SearchRequest, registry: PropertyRegistry): void {
  if (request.sorts.length > 1) throw validationError('Search supports one sort.');
  const groups = request.filterGroups;
  const total = groups.reduce((n, g) => n + g.filters.length, 0);
  if (
    groups.length > SEARCH_LIMITS.filterGroups ||
    groups.some((g) => g.filters.length > SEARCH_LIMITS.filtersPerGroup) ||
    total > SEARCH_LIMITS.filters
  ) {
    throw validationError(
      `Search allows ${SEARCH_LIMITS.filterGroups} filterGroups of ` +
        `${SEARCH_LIMITS.filtersPerGroup} filters, ${SEARCH_LIMITS.filters} filters in all.`,
    );
  }
  const names = [...groups.flatMap((g) => g.filters.map((f) => f.propertyName)), ...request.sorts.map((s) => s.propertyName)];
  const unknown = names.find((name) => !registry.live(name));
  if (unknown) throw validationError(`There was a problem with the request: property ${unknown} does not exist.`);
  for (const filter of groups.flatMap((g) => g.filters)) checkFilterValues(filter);
}

function checkFilterValues(filter: SearchFilter): void {
  const needs = (ok: boolean, what: string) => {
    if (!ok) throw validationError(`Filter ${filter.operator} on ${filter.propertyName} needs ${what}.`);
  };
  if (filter.operator === 'IN' || filter.operator === 'NOT_IN') needs(!!filter.values?.length, 'values');
  else if (filter.operator === 'BETWEEN') needs(filter.value !== undefined && filter.highValue !== undefined, 'value and highValue');
  else if (filter.operator !== 'HAS_PROPERTY' && filter.operator !== 'NOT_HAS_PROPERTY') needs(filter.value !== undefined, 'value');
}

/** The request's filter groups, each filter compiled once: its operand parsed, its property's type looked up. */
function matcherOf(request: SearchRequest, registry: PropertyRegistry): (doc: IndexedCompany) => boolean {
  if (request.filterGroups.length === 0) return () => true;
  const groups = request.filterGroups.map((g) => g.filters.map((f) => compileFilter(f, registry.live(f.propertyName))));
  return (doc) => groups.some((filters) => filters.every((matches) => matches(doc)));
}

function compileFilter(filter: SearchFilter, def: PropertyDefinition | undefined): (doc: IndexedCompany) => boolean {
  const name = filter.propertyName;
  const keyOf = keyReader(name, def);
  const has = (doc: IndexedCompany) => (doc.values.get(name) ?? '') !== '';
  const operand = filter.value === undefined ? undefined : sortKey(def, filter.value);
  const listed = new Set((filter.values ?? []).map((v) => sortKey(def, v)).filter((k) => k !== undefined));
  const inList = (doc: IndexedCompany) => {
    const value = keyOf(doc);
    return value !== undefined && listed.has(value);
  };
  switch (filter.operator) {
    case 'HAS_PROPERTY':
      return has;
    case 'NOT_HAS_PROPERTY':
      return (doc) => !has(doc);
    case 'EQ':
      return (doc) => operand !== undefined && keyOf(doc) === operand;
    case 'NEQ':
      return (doc) => keyOf(doc) !== operand;
    case 'IN':
      return inList;
    case 'NOT_IN':
      return (doc) => !inList(doc);
    case 'CONTAINS_TOKEN':
      return (doc) => has(doc) && containsToken(doc.values.get(name)!, filter.value ?? '');
    case 'NOT_CONTAINS_TOKEN':
      return (doc) => !has(doc) || !containsToken(doc.values.get(name)!, filter.value ?? '');
    default: {
      const inRange = rangeOf(filter, def, operand);
      return (doc) => {
        const value = keyOf(doc);
        return value !== undefined && inRange(value);
      };
    }
  }
}

function rangeOf(filter: SearchFilter, def: PropertyDefinition | undefined, operand: Key | undefined): (value: Key) => boolean {
  if (operand === undefined) return () => false;
  switch (filter.operator) {
    case 'GT':
      return (value) => value > operand;
    case 'GTE':
      return (value) => value >= operand;
    case 'LT':
      return (value) => value < operand;
    case 'LTE':
      return (value) => value <= operand;
    case 'BETWEEN': {
      const high = sortKey(def, filter.highValue ?? '');
      return (value) => high !== undefined && value >= operand && value <= high;
    }
    default:
      return () => false;
  }
}

/** Whole-token match, case-insensitive; `*` in the filter value is a wildcard. */
function containsToken(raw: string, wanted: string): boolean {
  const pattern = new RegExp(`^${wanted.toLowerCase().split('*').map(escapeRegExp).join('.*')}$`);
  const tokens = raw
    .toLowerCase()
    .split(/[^\p{L}\p{N}*]+/u)
    .filter(Boolean);
  return wanted.includes('*')
    ? pattern.test(raw.toLowerCase()) || tokens.some((t) => pattern.test(t))
    : tokens.includes(wanted.toLowerCase());
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The query's words, split once per search: every one must start a token of a searched property. */
function queryMatcher(query: string | undefined): (doc: IndexedCompany) => boolean {
  const words = (query ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return () => true;
  return (doc) => {
    const tokens = QUERY_PROPERTIES.flatMap((p) => (doc.values.get(p) ?? '').toLowerCase().split(/[^\p{L}\p{N}]+/u));
    return words.every((w) => tokens.some((t) => t.startsWith(w)));
  };
}

function comparator(request: SearchRequest, registry: PropertyRegistry): (a: IndexedCompany, b: IndexedCompany) => number {
  const byId = (a: IndexedCompany, b: IndexedCompany) => Number(a.id) - Number(b.id);
  const sort = request.sorts[0];
  if (!sort) return byId;
  const def = registry.live(sort.propertyName);
  const sign = sort.direction === 'DESCENDING' ? -1 : 1;
  const keyOf = keyReader(sort.propertyName, def);
  return (a, b) => {
    const ka = keyOf(a);
    const kb = keyOf(b);
    // Records without a value sort last whatever the direction.
    if (ka === undefined || kb === undefined) {
      const missing = Number(ka === undefined) - Number(kb === undefined);
      return missing !== 0 ? missing : byId(a, b);
    }
    if (ka === kb) return byId(a, b);
    return (ka < kb ? -1 : 1) * sign;
  };
}

/**
 * What the search endpoint sees: copies of records that become visible
 * `lagMs` after the write, like HubSpot's index that trails writes by "a few
 * moments". Pending copies are applied, in the order they become visible, at
 * every write and read, so no timers are needed and no search pays for a
 * backlog of writes (HubSpot indexes in the background).
 */
import type { CompanyRecord } from './company-types.js';
import type { PropertyDefinition } from './property-types.js';
import { parseDateTime } from './property-values.js';

/** A value in its property's own order (sortKey). */
export type Key = number | string;

export interface IndexedCompany {
  id: string;
  createdAt: number;
  updatedAt: number;
  values: ReadonlyMap<string, string>;
  /** Values parsed in their property's order, by property type and name (keyReader). */
  keys: Map<string, Key | undefined>;
}

/** A value in the property's own order: numbers and dates numerically, text case-insensitively. */
export function sortKey(def: PropertyDefinition | undefined, raw: string): Key | undefined {
  if (raw === '') return undefined;
  if (def?.type === 'number') return Number.isFinite(Number(raw)) ? Number(raw) : undefined;
  if (def?.type === 'date' || def?.type === 'datetime') return parseDateTime(raw);
  if (def?.type === 'enumeration' || def?.type === 'bool') return raw;
  return raw.toLowerCase();
}

const memoOf = (name: string, def: PropertyDefinition | undefined) => `${def?.type ?? ''}:${name}`;

/**
 * Reads a document's key for one property. A document is replaced, never changed, when its record
 * changes, so a key parsed once (at indexing for dates, else by the first search that needs it)
 * holds for the document's life.
 */
export function keyReader(name: string, def: PropertyDefinition | undefined): (doc: IndexedCompany) => Key | undefined {
  const memo = memoOf(name, def);
  return (doc) => {
    const known = doc.keys.get(memo);
    if (known !== undefined || doc.keys.has(memo)) return known;
    const value = sortKey(def, doc.values.get(name) ?? '');
    doc.keys.set(memo, value);
    return value;
  };
}

interface Pending {
  visibleAt: number;
  id: string;
  doc: IndexedCompany | undefined;
}

/** The property every modified-since search filters on: the index keeps its documents in its order. */
export const LAST_MODIFIED = 'hs_lastmodifieddate';

interface Modified {
  at: number;
  doc: IndexedCompany;
}

export class SearchIndex {
  private docs = new Map<string, IndexedCompany>();
  private pending: Pending[] = [];
  /**
   * Visible documents by last-modified time, ascending. A replaced or removed document's entry
   * stays until the entries outnumber twice the documents, plus a thousand (then they are
   * compacted): skipping a stale entry is cheaper than finding it in the array.
   */
  private byModified: Modified[] = [];

  constructor(
    private readonly now: () => number,
    public lagMs: number,
    /** The live definition of a property: dates are parsed when indexed, as every modified-since search compares them. */
    private readonly definitionOf: (name: string) => PropertyDefinition | undefined,
  ) {}

  reset(): void {
    this.docs.clear();
    this.pending = [];
    this.byModified = [];
  }

  /** Archived and merged-away records leave the index (search never returns them). */
  recordChanged(record: CompanyRecord): void {
    const doc = record.archived ? undefined : this.indexed(record);
    insertInOrder(this.pending, { visibleAt: this.now() + this.lagMs, id: record.id, doc }, (e) => e.visibleAt);
    this.applyVisible();
  }

  private indexed(record: CompanyRecord): IndexedCompany {
    const keys = new Map<string, Key | undefined>();
    for (const [name, raw] of record.values) {
      const def = this.definitionOf(name);
      if (def?.type === 'date' || def?.type === 'datetime') keys.set(memoOf(name, def), sortKey(def, raw));
    }
    return { id: record.id, createdAt: record.createdAt, updatedAt: record.updatedAt, values: new Map(record.values), keys };
  }

  /** The documents search sees now, to be read at once (a live view of the index). */
  visible(): Iterable<IndexedCompany> {
    this.applyVisible();
    return this.docs.values();
  }

  /**
   * The visible documents last modified at or after `since` (epoch ms), in no promised order: a
   * superset of what a search whose every filter group bounds the last-modified time from below
   * can match, so that it need not look at the rest.
   */
  *visibleModifiedSince(since: number): Iterable<IndexedCompany> {
    this.applyVisible();
    const entries = this.byModified;
    for (let i = firstWhere(entries, (e) => e.at >= since); i < entries.length; i++) {
      const { doc } = entries[i]!;
      if (this.docs.get(doc.id) === doc) yield doc;
    }
  }

  private applyVisible(): void {
    const now = this.now();
    const due = firstWhere(this.pending, (e) => e.visibleAt > now);
    if (due === 0) return;
    const modifiedAt = keyReader(LAST_MODIFIED, this.definitionOf(LAST_MODIFIED));
    for (const entry of this.pending.splice(0, due)) {
      if (entry.doc) {
        this.docs.set(entry.id, entry.doc);
        const at = modifiedAt(entry.doc);
        if (typeof at === 'number') insertInOrder(this.byModified, { at, doc: entry.doc }, (e) => e.at);
      } else {
        this.docs.delete(entry.id);
      }
    }
    if (this.byModified.length > 2 * this.docs.size + 1000) {
      this.byModified = this.byModified.filter(({ doc }) => this.docs.get(doc.id) === doc);
    }
  }
}

/**
 * Inserts `entry` after every entry whose key is not greater. Entries mostly come in key order
 * (writes in time order): appending is the usual case, a binary search the rest.
 */
function insertInOrder<T>(entries: T[], entry: T, keyOf: (entry: T) => number): void {
  const key = keyOf(entry);
  const last = entries.at(-1);
  const position = last === undefined || keyOf(last) <= key ? entries.length : firstWhere(entries, (e) => keyOf(e) > key);
  entries.splice(position, 0, entry);
}

/** The first index whose entry passes `isPast`, a test that fails up to some index and passes from there on. */
function firstWhere<T>(entries: readonly T[], isPast: (entry: T) => boolean): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (isPast(entries[mid]!)) high = mid;
    else low = mid + 1;
  }
  return low;
}

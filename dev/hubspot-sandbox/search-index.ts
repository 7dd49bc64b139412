/**
 * What the search endpoint sees: copies of records that become visible
 * `lagMs` after the write, like HubSpot's index that trails writes by "a few
 * moments". Pending copies are applied when read, so no timers are needed.
 */
import type { CompanyRecord } from './company-types.js';

export interface IndexedCompany {
  id: string;
  createdAt: number;
  updatedAt: number;
  values: ReadonlyMap<string, string>;
}

interface Pending {
  visibleAt: number;
  id: string;
  doc: IndexedCompany | undefined;
}

export class SearchIndex {
  private docs = new Map<string, IndexedCompany>();
  private pending: Pending[] = [];

  constructor(
    private readonly now: () => number,
    public lagMs: number,
  ) {}

  reset(): void {
    this.docs.clear();
    this.pending = [];
  }

  /** Archived and merged-away records leave the index (search never returns them). */
  recordChanged(record: CompanyRecord): void {
    const doc = record.archived
      ? undefined
      : { id: record.id, createdAt: record.createdAt, updatedAt: record.updatedAt, values: new Map(record.values) };
    this.pending.push({ visibleAt: this.now() + this.lagMs, id: record.id, doc });
  }

  visible(): IndexedCompany[] {
    const now = this.now();
    const stillPending: Pending[] = [];
    for (const entry of this.pending) {
      if (entry.visibleAt > now) {
        stillPending.push(entry);
      } else if (entry.doc) {
        this.docs.set(entry.id, entry.doc);
      } else {
        this.docs.delete(entry.id);
      }
    }
    this.pending = stillPending;
    return [...this.docs.values()];
  }
}

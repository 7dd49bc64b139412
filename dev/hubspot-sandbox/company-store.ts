/**
 * Companies in memory with HubSpot's bookkeeping: ids, `hs_object_id`,
 * `createdate`, `hs_lastmodifieddate`, per-property history, unique values,
 * soft delete, restore and merge. Every method runs synchronously, so two
 * requests can never interleave inside one write (no duplicate upserts).
 */
import type { Actor, CompanyRecord, HistoryEntry, StoreListener } from './company-types.js';
import { notFound, validationError } from './hubspot-error.js';
import type { PropertyRegistry } from './property-registry.js';
import { checkValue } from './property-values.js';
import { ValueIndex } from './value-index.js';
import { hasProblems, problemsError } from './write-problems.js';
import type { UniqueClash, WriteProblems } from './write-problems.js';

export interface StoreSnapshot {
  nextId: number;
  records: Array<Omit<CompanyRecord, 'values' | 'history'> & { values: Array<[string, string]>; history: Array<[string, HistoryEntry[]]> }>;
}

const FIRST_ID = 30_000_000_001;
/** Maintained by HubSpot itself: never moved by a merge, never announced as a property change. */
const SYSTEM_PROPERTIES = new Set(['hs_object_id', 'createdate', 'hs_lastmodifieddate', 'hs_merged_object_ids']);

export class CompanyStore {
  private records = new Map<string, CompanyRecord>();
  private nextId = FIRST_ID;
  private readonly index = new ValueIndex(() => this.records.values());

  constructor(
    private readonly registry: PropertyRegistry,
    private readonly now: () => number,
    private readonly listener: StoreListener,
  ) {}

  reset(): void {
    this.records.clear();
    this.index.clear();
    this.nextId = FIRST_ID;
  }

  /** Maps as entry lists, so persistence.ts can write it as JSON. */
  snapshot(): StoreSnapshot {
    const records = [...this.records.values()].map((r) => ({
      ...r,
      values: [...r.values],
      history: [...r.history],
    }));
    return { nextId: this.nextId, records };
  }

  /** Refills the search index; announces nothing, as the records are not new to subscribers. */
  load(snapshot: StoreSnapshot): void {
    this.records = new Map(snapshot.records.map((r) => [r.id, { ...r, values: new Map(r.values), history: new Map(r.history) }]));
    this.index.clear();
    this.nextId = snapshot.nextId;
    for (const record of this.records.values()) this.listener.recordChanged(record);
  }

  all(): CompanyRecord[] {
    return [...this.records.values()].filter((r) => r.mergedInto === undefined);
  }

  /**
   * One page of the list endpoint, in id order: up to `limit` records from id `fromId` on, and the
   * record after them (the next page's start). The records are kept in id order (ids are handed
   * out ascending, snapshots keep the order), so a page costs a walk, not a sort of every record.
   */
  page(archived: boolean, fromId: string | null, limit: number): { records: CompanyRecord[]; next?: CompanyRecord } {
    const from = fromId === null ? undefined : Number(fromId);
    const records: CompanyRecord[] = [];
    for (const record of this.records.values()) {
      if (record.mergedInto !== undefined || record.archived !== archived) continue;
      if (from !== undefined && Number(record.id) < from) continue;
      if (records.length === limit) return { records, next: record };
      records.push(record);
    }
    return { records };
  }

  /**
   * Finds a record by id (following merges) or by a unique property value.
   * `archived` picks the archived or the live records, as HubSpot's flag does.
   */
  find(id: string, idProperty?: string, archived = false): CompanyRecord | undefined {
    if (idProperty !== undefined && idProperty !== 'hs_object_id') {
      this.requireUniqueProperty(idProperty);
      return this.holding(idProperty, id).find((r) => r.archived === archived);
    }
    let record = this.records.get(id);
    while (record?.mergedInto !== undefined) record = this.records.get(record.mergedInto);
    return record && record.archived === archived ? record : undefined;
  }

  get(id: string, idProperty?: string, archived = false): CompanyRecord {
    const record = this.find(id, idProperty, archived);
    if (!record) throw notFound(`Object not found.  objectId are usually numeric.`);
    return record;
  }

  requireUniqueProperty(name: string): void {
    if (!this.registry.live(name)?.hasUniqueValue) {
      throw validationError(`Property ${name} is not a unique value property and cannot be used as idProperty.`);
    }
  }

  /** Value errors and unique clashes of a write, without writing; `selfId` is the record being updated. */
  check(values: Readonly<Record<string, string>>, selfId?: string): WriteProblems {
    const invalid = Object.entries(values).flatMap(([name, value]) => {
      const error = checkValue(this.registry.live(name), name, value);
      return error ? [error] : [];
    });
    const clashes: UniqueClash[] = [];
    for (const name of this.registry.uniqueNames()) {
      const value = values[name];
      if (!value) continue;
      const holder = this.holding(name, value).find((r) => !r.archived && r.id !== selfId);
      if (holder) clashes.push({ name, value, existingId: holder.id });
    }
    return { invalid, clashes };
  }

  create(values: Readonly<Record<string, string>>, actor: Actor): CompanyRecord {
    this.throwIfProblems(this.check(values));
    const at = this.now();
    const id = String(this.nextId++);
    const record: CompanyRecord = { id, createdAt: at, updatedAt: at, archived: false, values: new Map(), history: new Map() };
    this.records.set(id, record);
    const iso = new Date(at).toISOString();
    this.setValue(record, 'hs_object_id', id, actor, iso);
    this.setValue(record, 'createdate', iso, actor, iso);
    this.setValue(record, 'hs_lastmodifieddate', iso, actor, iso);
    this.listener.event({ kind: 'creation', objectId: id, actor, occurredAt: at });
    this.writeValues(record, values, actor, at);
    this.listener.recordChanged(record);
    return record;
  }

  update(record: CompanyRecord, values: Readonly<Record<string, string>>, actor: Actor): CompanyRecord {
    this.throwIfProblems(this.check(values, record.id));
    const at = this.now();
    if (this.writeValues(record, values, actor, at) > 0) {
      record.updatedAt = at;
      this.setValue(record, 'hs_lastmodifieddate', new Date(at).toISOString(), actor, new Date(at).toISOString());
      this.listener.recordChanged(record);
    }
    return record;
  }

  archive(record: CompanyRecord, actor: Actor): void {
    const at = this.now();
    record.archived = true;
    record.archivedAt = at;
    record.updatedAt = at;
    this.listener.event({ kind: 'deletion', objectId: record.id, actor, occurredAt: at });
    this.listener.recordChanged(record);
  }

  restore(record: CompanyRecord, actor: Actor): CompanyRecord {
    const unique = Object.fromEntries(this.registry.uniqueNames().map((n) => [n, record.values.get(n) ?? '']));
    this.throwIfProblems({ invalid: [], clashes: this.check(unique, record.id).clashes });
    const at = this.now();
    record.archived = false;
    delete record.archivedAt;
    record.updatedAt = at;
    this.listener.event({ kind: 'restore', objectId: record.id, actor, occurredAt: at });
    this.listener.recordChanged(record);
    return record;
  }

  /** The primary keeps its id and its values; empty ones are filled from the merged record. */
  merge(primaryId: string, mergedId: string, actor: Actor): CompanyRecord {
    const primary = this.get(primaryId);
    const merged = this.get(mergedId);
    if (primary.id === merged.id) throw validationError('A company cannot be merged with itself.');
    const at = this.now();
    const iso = new Date(at).toISOString();
    let moved = 0;
    for (const [name, value] of merged.values) {
      if (SYSTEM_PROPERTIES.has(name) || value === '' || (primary.values.get(name) ?? '') !== '') continue;
      this.setValue(primary, name, value, actor, iso);
      moved++;
    }
    const mergedIds = [primary.values.get('hs_merged_object_ids'), merged.values.get('hs_merged_object_ids'), merged.id].flatMap((v) =>
      v ? v.split(';') : [],
    );
    this.setValue(primary, 'hs_merged_object_ids', mergedIds.join(';'), actor, iso);
    this.setValue(primary, 'hs_lastmodifieddate', iso, actor, iso);
    primary.updatedAt = at;
    merged.archived = true;
    merged.archivedAt = at;
    merged.mergedInto = primary.id;
    this.listener.event({
      kind: 'merge',
      objectId: primary.id,
      actor,
      occurredAt: at,
      primaryObjectId: primary.id,
      mergedObjectIds: [merged.id],
      newObjectId: primary.id,
      numberOfPropertiesMoved: moved,
    });
    this.listener.recordChanged(merged);
    this.listener.recordChanged(primary);
    return primary;
  }

  /** The records (not merged away) whose property `name` is `value`, oldest first. */
  private holding(name: string, value: string): CompanyRecord[] {
    return this.index.holders(name, value).flatMap((id) => {
      const record = this.records.get(id);
      return record && record.mergedInto === undefined ? [record] : [];
    });
  }

  private throwIfProblems(problems: WriteProblems): void {
    if (hasProblems(problems)) throw problemsError([problems]) ?? new Error('unreachable');
  }

  /** Writes changed values and announces each; returns how many changed. */
  private writeValues(record: CompanyRecord, values: Readonly<Record<string, string>>, actor: Actor, at: number): number {
    const iso = new Date(at).toISOString();
    let changed = 0;
    for (const [name, value] of Object.entries(values)) {
      if ((record.values.get(name) ?? '') === value) continue;
      this.setValue(record, name, value, actor, iso);
      changed++;
      if (!SYSTEM_PROPERTIES.has(name)) {
        this.listener.event({
          kind: 'propertyChange',
          objectId: record.id,
          actor,
          occurredAt: at,
          propertyName: name,
          propertyValue: value,
        });
      }
    }
    return changed;
  }

  private setValue(record: CompanyRecord, name: string, value: string, actor: Actor, iso: string): void {
    this.index.changed(record.id, name, record.values.get(name), value);
    record.values.set(name, value);
    const entries = record.history.get(name) ?? [];
    entries.unshift({ value, timestamp: iso, sourceType: actor.changeSource, sourceId: actor.sourceId });
    record.history.set(name, entries);
  }
}

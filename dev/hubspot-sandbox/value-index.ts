/**
 * Which records hold a value of a property, so unique-value lookups (an upsert by `warp_ban`, the
 * clash check of every write) need no scan of every record: seeding or writing a portal of
 * 100,000 companies stays linear. Built per property on its first lookup, then kept current by
 * every value write.
 */
export class ValueIndex {
  private byProperty = new Map<string, Map<string, Set<string>>>();

  constructor(private readonly values: () => Iterable<{ id: string; values: ReadonlyMap<string, string> }>) {}

  clear(): void {
    this.byProperty.clear();
  }

  /** Ids of the records whose `name` is `value`, oldest first (ids grow with creation). */
  holders(name: string, value: string): string[] {
    const ids = this.indexOf(name).get(value);
    return ids ? [...ids].sort((a, b) => Number(a) - Number(b)) : [];
  }

  /** Call before a record's value changes from `from` to `to`. */
  changed(id: string, name: string, from: string | undefined, to: string): void {
    const index = this.byProperty.get(name);
    if (!index || from === to) return;
    if (from !== undefined) index.get(from)?.delete(id);
    const holders = index.get(to) ?? new Set<string>();
    holders.add(id);
    index.set(to, holders);
  }

  private indexOf(name: string): Map<string, Set<string>> {
    let index = this.byProperty.get(name);
    if (index) return index;
    index = new Map();
    for (const record of this.values()) {
      const value = record.values.get(name);
      if (value !== undefined) index.set(value, (index.get(value) ?? new Set()).add(record.id));
    }
    this.byProperty.set(name, index);
    return index;
  }
}

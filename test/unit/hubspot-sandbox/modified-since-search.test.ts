import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CompanyStore } from '../../../dev/hubspot-sandbox/company-store.js';
import { PropertyRegistry } from '../../../dev/hubspot-sandbox/property-registry.js';
import { searchSchema } from '../../../dev/hubspot-sandbox/request-schemas.js';
import { SearchIndex } from '../../../dev/hubspot-sandbox/search-index.js';
import { runSearch, type SearchSource } from '../../../dev/hubspot-sandbox/search.js';

const actor = { changeSource: 'INTEGRATION', sourceId: 'test' };

/** A sandbox's store and search index on a clock the test moves (backwards too). */
function indexedStore(lagMs: number) {
  let clock = 1_000_000;
  const now = () => clock;
  const registry = new PropertyRegistry(now);
  const index = new SearchIndex(now, lagMs, (name) => registry.live(name));
  const store = new CompanyStore(registry, now, { recordChanged: (r) => index.recordChanged(r), event: () => undefined });
  return { registry, index, store, setClock: (at: number) => (clock = at) };
}

/** The same index read without its last-modified order: every search filters every document. */
const fullScan = (index: SearchIndex): SearchSource => ({ visible: () => index.visible(), visibleModifiedSince: () => index.visible() });

const write = fc.record({
  at: fc.integer({ min: 1_000_000, max: 1_000_100 }),
  kind: fc.constantFrom('create', 'update', 'archive'),
  target: fc.nat(),
  name: fc.constantFrom('Acme', 'Globex', 'Initech'),
});

const modifiedFilter = fc.record({
  propertyName: fc.constant('hs_lastmodifieddate'),
  operator: fc.constantFrom('GT', 'GTE', 'EQ', 'BETWEEN', 'LT', 'LTE', 'NEQ', 'HAS_PROPERTY'),
  value: fc.integer({ min: 999_990, max: 1_000_110 }).map(String),
  highValue: fc.integer({ min: 999_990, max: 1_000_110 }).map(String),
});
const nameFilter = fc.record({
  propertyName: fc.constant('name'),
  operator: fc.constantFrom('EQ', 'NEQ'),
  value: fc.constantFrom('Acme', 'Globex'),
});
const request = fc.record({
  filterGroups: fc.array(fc.record({ filters: fc.array(fc.oneof(modifiedFilter, nameFilter), { minLength: 1, maxLength: 3 }) }), {
    maxLength: 3,
  }),
  sorts: fc.constantFrom([], ['hs_lastmodifieddate'], ['-name']),
  limit: fc.constantFrom(5, 200),
});

describe('search by last-modified time', () => {
  it('finds exactly what filtering every document finds, after writes in and out of time order, lag and archiving', () => {
    fc.assert(
      fc.property(
        fc.array(write, { maxLength: 60 }),
        fc.array(request, { minLength: 1, maxLength: 5 }),
        fc.nat(20),
        (writes, requests, lag) => {
          const { registry, index, store, setClock } = indexedStore(lag);
          const ids: string[] = [];
          let lastAt = 1_000_000;
          const searchAll = () => {
            for (const raw of requests) {
              const parsed = searchSchema.parse(raw);
              const page = (source: SearchSource) => {
                const outcome = runSearch(source, parsed, registry);
                return { total: outcome.total, ids: outcome.page.map((d) => d.id), next: outcome.nextAfter };
              };
              expect(page(index)).toEqual(page(fullScan(index)));
            }
          };
          for (const w of writes) {
            lastAt = w.at;
            setClock(w.at);
            const record = ids.length === 0 ? undefined : store.find(ids[w.target % ids.length]!);
            if (w.kind === 'create' || !record) ids.push(store.create({ name: w.name }, actor).id);
            else if (w.kind === 'update') store.update(record, { name: `${w.name} ${w.at}` }, actor);
            else store.archive(record, actor);
            searchAll();
          }
          setClock(lastAt + 1000);
          searchAll();
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads only the documents modified since the bound when every filter group has one', () => {
    const { registry, index, store, setClock } = indexedStore(0);
    for (const at of [1_000_000, 1_000_010, 1_000_020, 1_000_030]) {
      setClock(at);
      store.create({ name: `Company ${at}` }, actor);
    }
    const read: string[] = [];
    const counting: SearchSource = {
      visible: () => index.visible(),
      *visibleModifiedSince(since) {
        for (const doc of index.visibleModifiedSince(since)) yield (read.push(doc.id), doc);
      },
    };
    const since = (operator: string) => ({ propertyName: 'hs_lastmodifieddate', operator, value: '1000020' });
    const outcome = runSearch(
      counting,
      searchSchema.parse({ filterGroups: [{ filters: [since('GTE')] }, { filters: [since('EQ')] }], limit: 10 }),
      registry,
    );
    expect(outcome.page.map((d) => d.values.get('name'))).toEqual(['Company 1000020', 'Company 1000030']);
    expect(read).toHaveLength(2);
  });
});

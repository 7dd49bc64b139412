import { Kysely, PostgresDialect, type PostgresPool } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../shared/db/database.js';
import { listVisibleCustomers } from '../../../shared/customers/repository.js';
import { insertCustomer } from '../../support/customer-factory.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';

/**
 * The list's page and its total must come from one snapshot on one pooled connection.
 * The pool here counts checkouts and, right after the page query, lets another
 * connection commit a new matching customer before the count runs.
 */
describe('listVisibleCustomers: one snapshot, one connection', () => {
  let t: TestDatabase;
  let pool: pg.Pool;
  let db: Kysely<Database>;
  const seen = { checkouts: 0, statements: [] as string[] };
  let afterPageQuery: (() => Promise<void>) | undefined;
  let n = 0;

  const insertMatching = async () => {
    n += 1;
    await insertCustomer(t.db, n, { prefix: 'SN', company_name: `Snapshot Carrier ${n}` });
  };

  beforeAll(async () => {
    t = await createTestDatabase();
    pool = new pg.Pool({ connectionString: t.url, max: 4 });
    const counting = {
      async connect() {
        seen.checkouts += 1;
        const client = await pool.connect();
        return {
          async query(text: string, params: unknown[]) {
            const result = await client.query(text, params);
            seen.statements.push(text.toLowerCase());
            if (afterPageQuery && /order by/i.test(text)) {
              const hook = afterPageQuery;
              afterPageQuery = undefined;
              await hook();
            }
            return result;
          },
          release: () => client.release(),
        };
      },
      end: () => pool.end(),
    };
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: counting as unknown as PostgresPool }) });
    for (let i = 0; i < 3; i++) await insertMatching();
  });
  afterAll(async () => {
    await db.destroy();
    await t.destroy();
  });

  it('counts exactly the rows it paged from, though another transaction commits in between', async () => {
    seen.checkouts = 0;
    seen.statements.length = 0;
    afterPageQuery = insertMatching;
    const { rows, total } = await listVisibleCustomers(db, { kind: 'ALL' }, { page: 1, per_page: 100, search: 'Snapshot Carrier' });
    expect(afterPageQuery).toBeUndefined();
    expect(rows).toHaveLength(3);
    expect(total).toBe(3);
    expect(seen.checkouts).toBe(1);
    expect(seen.statements[0]).toMatch(/^start transaction isolation level repeatable read read only/);
    expect(seen.statements.at(-1)).toBe('commit');

    // The committed row is there for the next list.
    expect((await listVisibleCustomers(db, { kind: 'ALL' }, { page: 1, per_page: 100, search: 'Snapshot Carrier' })).total).toBe(4);
  });
});

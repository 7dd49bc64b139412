import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerFieldsWrite, loadCustomers, writeLockedCustomers } from '../../../shared/sync-store/sync-customer-repository.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';
import { customerRow, insertCustomers } from '../../support/customer-factory.js';

describe("the sync's writes of locked customers", () => {
  let t: TestDatabase;
  const now = new Date('2026-11-03T09:00:00Z');

  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.destroy());

  const customersAt = async (offset: number, count: number) => {
    const ids = (
      await insertCustomers(
        t.db,
        Array.from({ length: count }, (_, i) => customerRow(offset + i)),
      )
    ).map((r) => r.id);
    return { ids, before: await loadCustomers(t.db, ids) };
  };

  it('writes each customer its own columns, typed as the table has them, in one statement per set of columns', async () => {
    const { ids, before } = await customersAt(0, 3);
    const [a, b, c] = ids.map((id) => before.get(id)!);
    const writes = [
      customerFieldsWrite(a!, [{ warpField: 'address.city', value: 'Boulder' }], now)!,
      customerFieldsWrite(b!, [{ warpField: 'address.city', value: 'Denver' }], now)!,
      customerFieldsWrite(
        c!,
        [
          { warpField: 'company_name', value: 'Gamma Telecom' },
          { warpField: 'credit_limit', value: '2500.50' },
        ],
        now,
      )!,
    ];
    await writeLockedCustomers(t.db, writes, now);

    const after = await loadCustomers(t.db, ids);
    expect(after.get(ids[0]!)!.address).toEqual({ ...a!.address, city: 'Boulder' });
    expect(after.get(ids[1]!)!.address).toEqual({ ...b!.address, city: 'Denver' });
    expect(after.get(ids[2]!)).toMatchObject({ company_name: 'Gamma Telecom', credit_limit: '2500.50' });
    for (const id of ids) {
      expect(after.get(id)).toMatchObject({ version: before.get(id)!.version + 1, updated_at: now, updated_by: 'hubspot-sync' });
    }
    expect(writes[0]!.change.changes).toEqual({
      fields: ['address.city'],
      oldValues: { 'address.city': a!.address.city ?? null },
      newValues: { 'address.city': 'Boulder' },
    });
  });

  it('writes nothing and throws when a customer is not at the version planned: its lock did not hold', async () => {
    const { ids, before } = await customersAt(10, 2);
    const writes = ids.map((id) => customerFieldsWrite(before.get(id)!, [{ warpField: 'company_name', value: 'Renamed' }], now)!);
    await t.db
      .updateTable('customers')
      .set({ version: before.get(ids[1]!)!.version + 1 })
      .where('id', '=', ids[1]!)
      .execute();

    await expect(t.db.transaction().execute((tx) => writeLockedCustomers(tx, writes, now))).rejects.toThrow(ids[1]!);
    const after = await loadCustomers(t.db, ids);
    expect(after.get(ids[0]!)!.company_name).toBe(before.get(ids[0]!)!.company_name);
  });

  it('has nothing to write for a plan without WARP writes', () => {
    expect(customerFieldsWrite({ id: 'x', version: 1 } as never, [], now)).toBeNull();
  });
});

import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { companyDeletedMessage } from '../../../shared/sync-store/company-deleted.js';
import { handleOutboxMessage, type FieldSyncDeps } from '../../../shared/outbound-sync/handle-outbox-message.js';
import { ClaimLostError } from '../../../shared/outbox/outbox-claims.js';
import type { CompanyGateway } from '../../../shared/outbound-sync/sync-claimed-rows.js';
import { SyncDeadlineError } from '../../../shared/outbound-sync/sync-deadline.js';
import { HubspotRequestError } from '../../../shared/hubspot/client/index.js';
import { insertCustomersWithOutbox, updateCustomersWithOutbox } from '../../support/customer-factory.js';
import { hubspotCalls, messageFor, startFieldSyncHarness, workerLogLines, type FieldSyncHarness } from './field-sync-harness.js';

const customer = (h: FieldSyncHarness, id: string) =>
  h.database.db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const outboxOf = (h: FieldSyncHarness, id: string) =>
  h.database.db.selectFrom('hubspot_sync_queue').selectAll().where('customer_id', '=', id).orderBy('id').execute();
const syncLogOf = (h: FieldSyncHarness, id: string) =>
  h.database.db.selectFrom('hubspot_sync_log').selectAll().where('customer_id', '=', id).orderBy('id').execute();

/** n customers synced once (linked to their new companies), then changed again: name and city. */
async function changedLinkedCustomers(h: FieldSyncHarness, n: number, prefix: string): Promise<string[]> {
  const ids = await insertCustomersWithOutbox(h.database.db, n, { prefix });
  expect(await handleOutboxMessage(h.workerDeps(), await messageFor(h, ids[0]!))).toMatchObject({
    kind: 'SYNCED',
    customers: n,
    failedCustomers: 0,
  });
  await updateCustomersWithOutbox(h.database.db, ids, prefix);
  return ids;
}

/** The harness's HubSpot client, with `override` in front. */
function gateway(h: FieldSyncHarness, override: Partial<CompanyGateway>): CompanyGateway {
  return {
    batchReadCurrentValues: (...a) => h.hubspot.companies.batchReadCurrentValues(...a),
    batchReadWithHistory: (...a) => h.hubspot.companies.batchReadWithHistory(...a),
    batchUpsertByUniqueProperty: (...a) => h.hubspot.companies.batchUpsertByUniqueProperty(...a),
    batchUpdate: (...a) => h.hubspot.companies.batchUpdate(...a),
    ...override,
  };
}

describe('outbound batches: one customer failing never takes the others down, and no batch outlives its claim', () => {
  let h: FieldSyncHarness;
  beforeAll(async () => {
    h = await startFieldSyncHarness();
  });
  afterAll(() => h?.close());

  it("a database error in one customer's WARP writes fails that customer alone, for good; the others commit", async () => {
    const ids = await changedLinkedCustomers(h, 3, 'SP');
    const [victim, ...innocent] = ids as [string, string, string];
    // HubSpot owns the credit limit and changes it for all three: the sync pulls it into WARP.
    for (const id of ids) await h.sandbox.control.editAsUser((await customer(h, id)).hubspot_company_id!, { warp_credit_limit: '7500' });
    await sql`CREATE FUNCTION test_refuse_credit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'credit limit refused for this customer' USING ERRCODE = 'check_violation'; END $$`.execute(h.database.db);
    await sql`CREATE TRIGGER test_refuse_credit BEFORE UPDATE ON customers FOR EACH ROW
      WHEN (NEW.id = ${sql.lit(victim)}::uuid AND NEW.credit_limit IS DISTINCT FROM OLD.credit_limit)
      EXECUTE FUNCTION test_refuse_credit()`.execute(h.database.db);
    try {
      const outcome = await handleOutboxMessage(h.workerDeps(), await messageFor(h, innocent[0]));
      expect(outcome).toMatchObject({ kind: 'SYNCED', customers: 3, failedCustomers: 1, warpWrites: 2 });
    } finally {
      await sql`DROP TRIGGER test_refuse_credit ON customers; DROP FUNCTION test_refuse_credit()`.execute(h.database.db);
    }

    for (const id of innocent) {
      const row = await customer(h, id);
      expect(Number(row.credit_limit)).toBe(7500);
      expect((await h.sandbox.control.company(row.hubspot_company_id!)).properties.name).toBe(row.company_name);
      expect((await outboxOf(h, id)).map((r) => [r.origin, r.status])).toEqual([
        ['WARP', 'DONE'],
        ['WARP', 'DONE'],
        ['HUBSPOT', 'DONE'],
      ]);
      expect((await syncLogOf(h, id)).filter((l) => l.status === 'FAILED')).toEqual([]);
    }
    const refused = await customer(h, victim);
    expect(Number(refused.credit_limit)).toBe(1000);
    const [, change] = await outboxOf(h, victim);
    expect(change).toMatchObject({ status: 'FAILED', next_attempt_at: null });
    expect(change!.last_error).toMatch(/23514.*credit limit refused/);
    const log = await syncLogOf(h, victim);
    const failed = log.filter((l) => l.status === 'FAILED');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ error_code: 'WARP_WRITE_FAILED', outbox_id: change!.id });
    expect(Object.keys(failed[0]!.fields)).toEqual(['credit_limit']);
    expect(failed[0]!.error_message).toContain('credit limit refused');
    // HubSpot was written before WARP failed: the log says so.
    expect(log.at(-2)).toMatchObject({ operation: 'PUSH', status: 'SUCCESS' });
  });

  it('a batch-level HubSpot refusal (4xx) is narrowed down to the customer it is about; the others sync', async () => {
    const ids = await changedLinkedCustomers(h, 5, 'BI');
    const culprit = ids[3]!;
    const culpritCompany = (await customer(h, culprit)).hubspot_company_id!;
    const refusing = gateway(h, {
      batchReadCurrentValues: async (companyIds, ...rest) => {
        if (companyIds.includes(culpritCompany)) throw new HubspotRequestError('HubSpot answered 414', { status: 414 });
        return h.hubspot.companies.batchReadCurrentValues(companyIds, ...rest);
      },
    });
    const outcome = await handleOutboxMessage(h.workerDeps({ companies: refusing }), await messageFor(h, ids[0]!));
    expect(outcome).toMatchObject({ kind: 'SYNCED', customers: 5, failedCustomers: 1 });

    for (const id of ids.filter((i) => i !== culprit)) {
      const row = await customer(h, id);
      expect((await h.sandbox.control.company(row.hubspot_company_id!)).properties.name).toBe(row.company_name);
      expect((await outboxOf(h, id)).map((r) => r.status)).toEqual(['DONE', 'DONE']);
    }
    const [, change] = await outboxOf(h, culprit);
    expect(change).toMatchObject({ status: 'FAILED' });
    expect(change!.last_error).toContain('HubspotRequestError');
    expect((await syncLogOf(h, culprit)).at(-1)).toMatchObject({
      status: 'FAILED',
      error_code: 'HubspotRequestError',
      outbox_id: change!.id,
    });
  });

  it('a company HubSpot no longer has marks the link DELETED (no retry), and later changes are skipped', async () => {
    const [id] = (await changedLinkedCustomers(h, 1, 'GN')) as [string];
    const before = await customer(h, id);
    const companyId = before.hubspot_company_id!;
    await h.sandbox.control.archiveAsUser(companyId); // its deletion webhook has not reached us
    workerLogLines.length = 0;
    const outcome = await handleOutboxMessage(h.workerDeps(), await messageFor(h, id));
    expect(outcome).toMatchObject({ kind: 'SYNCED', failedCustomers: 1, hubspotWrites: 0 });

    const after = await customer(h, id);
    expect(after).toMatchObject({
      hubspot_link_status: 'DELETED',
      hubspot_company_id: companyId,
      version: before.version + 1,
      updated_by: 'hubspot-sync',
    });
    expect((await outboxOf(h, id)).map((r) => [r.status, r.last_error])).toEqual([
      ['DONE', null],
      ['DONE', null],
    ]);
    const unlink = (await syncLogOf(h, id)).filter((l) => l.operation === 'UNLINK');
    expect(unlink.map((l) => [l.status, l.error_code, l.error_message])).toEqual([
      ['FAILED', 'COMPANY_DELETED', companyDeletedMessage(companyId)],
    ]);
    expect(
      workerLogLines.some((l) => l.includes('"severity":"WARNING"') && l.includes('was deleted: needs attention') && l.includes(id)),
    ).toBe(true);

    await h.sandbox.control.clearRequests();
    await updateCustomersWithOutbox(h.database.db, [id], 'later');
    await expect(handleOutboxMessage(h.workerDeps(), await messageFor(h, id))).resolves.toMatchObject({
      kind: 'SYNCED',
      failedCustomers: 0,
    });
    expect(await hubspotCalls(h)).toBe(0);
    expect((await outboxOf(h, id)).at(-1)).toMatchObject({ status: 'DONE' });
    expect((await syncLogOf(h, id)).at(-1)).toMatchObject({ status: 'SKIPPED', error_code: 'COMPANY_DELETED' });
  });

  it('a company merged away in HubSpot is not taken for deleted: the rows wait for the merge webhook to relink the customer', async () => {
    const [id] = (await changedLinkedCustomers(h, 1, 'MG')) as [string];
    const before = await customer(h, id);
    const mergedAway = before.hubspot_company_id!;
    const [survivor] = await h.sandbox.control.seed([{ name: 'Surviving Co' }]);
    await h.sandbox.control.mergeAsUser(survivor!, mergedAway); // its merge webhook has not reached us
    // HubSpot answers the old id with the survivor.
    const { results } = await h.hubspot.companies.batchReadWithHistory([mergedAway], ['name', 'hs_merged_object_ids']);
    expect(results.map((c) => [c.id, c.properties.hs_merged_object_ids])).toEqual([[survivor, mergedAway]]);

    const message = await messageFor(h, id);
    const outcome = await handleOutboxMessage(h.workerDeps(), message);
    expect(outcome).toMatchObject({ kind: 'SYNCED', customers: 1, failedCustomers: 0, hubspotWrites: 0 });

    expect(await customer(h, id)).toMatchObject({ hubspot_link_status: 'LINKED', hubspot_company_id: mergedAway, version: before.version });
    const [, change] = await outboxOf(h, id);
    // Handed back for another try, published again by the relay (this message is acked).
    expect(change).toMatchObject({ id: message.outboxId, status: 'PENDING', published_at: null, attempts: 1, claimed_by: null });
    expect(change!.last_error).toContain(`merged into ${survivor}`);
    const log = await syncLogOf(h, id);
    expect(log.filter((l) => l.operation === 'UNLINK')).toEqual([]);
    expect(log.at(-1)).toMatchObject({ operation: 'SYNC', status: 'RETRYING', error_code: 'COMPANY_MERGED', outbox_id: change!.id });
    // Nothing was written to either company.
    expect((await h.sandbox.control.company(survivor!)).properties.name).toBe('Surviving Co');
  });

  it('the lease is renewed before HubSpot is written', async () => {
    const [id] = (await changedLinkedCustomers(h, 1, 'RN')) as [string];
    const message = await messageFor(h, id);
    const claimedAt = async () =>
      (
        await h.database.db
          .selectFrom('hubspot_sync_queue')
          .select('claimed_at')
          .where('id', '=', message.outboxId)
          .executeTakeFirstOrThrow()
      ).claimed_at;
    const seen: Array<Date | null> = [];
    const watching = gateway(h, {
      batchReadCurrentValues: async (...a) => {
        seen.push(await claimedAt());
        await sleep(50);
        return h.hubspot.companies.batchReadCurrentValues(...a);
      },
      batchUpdate: async (...a) => {
        seen.push(await claimedAt());
        return h.hubspot.companies.batchUpdate(...a);
      },
    });
    await expect(handleOutboxMessage(h.workerDeps({ companies: watching }), message)).resolves.toMatchObject({
      kind: 'SYNCED',
      hubspotWrites: 1,
    });
    const [atRead, atWrite] = seen;
    expect(atWrite!.getTime()).toBeGreaterThanOrEqual(atRead!.getTime() + 50);
  });

  it('a batch that carries an unlink beside other changes renews only the rows still in play, and syncs them all', async () => {
    const [unlinked, other] = (await changedLinkedCustomers(h, 2, 'UL')) as [string, string];
    const companyId = (await customer(h, unlinked)).hubspot_company_id!;
    await h.database.db.updateTable('customers').set({ hubspot_link_status: 'DETACHED' }).where('id', '=', unlinked).execute();
    await expect(handleOutboxMessage(h.workerDeps(), await messageFor(h, other))).resolves.toMatchObject({ kind: 'SYNCED', customers: 2 });
    expect((await customer(h, unlinked)).hubspot_company_id).toBeNull();
    expect((await h.sandbox.control.company(companyId)).properties.warp_ban).toBe('');
    for (const id of [unlinked, other]) expect((await outboxOf(h, id)).map((r) => r.status)).toEqual(['DONE', 'DONE']);
  });

  it('a batch whose rows another worker took over (lease ran out) writes nothing and leaves them to it', async () => {
    const [id] = (await changedLinkedCustomers(h, 1, 'TK')) as [string];
    const message = await messageFor(h, id);
    let wrote = false;
    const takenOver = gateway(h, {
      batchReadCurrentValues: async (...a) => {
        await h.database.db
          .updateTable('hubspot_sync_queue')
          .set({ claimed_by: 'other-worker', claimed_at: new Date() })
          .where('id', '=', message.outboxId)
          .execute();
        return h.hubspot.companies.batchReadCurrentValues(...a);
      },
      batchUpdate: async (...a) => {
        wrote = true;
        return h.hubspot.companies.batchUpdate(...a);
      },
    });
    await expect(handleOutboxMessage(h.workerDeps({ companies: takenOver }), message)).rejects.toThrow(ClaimLostError);
    expect(wrote).toBe(false);
    expect((await outboxOf(h, id)).at(-1)).toMatchObject({ status: 'PROCESSING', claimed_by: 'other-worker' });
  });

  it('no HubSpot call starts after the batch deadline (half the lease): the rows go back for a retry', async () => {
    const [id] = (await changedLinkedCustomers(h, 1, 'DL')) as [string];
    const message = await messageFor(h, id);
    let wrote = false;
    const slow = gateway(h, {
      batchReadCurrentValues: async (...a) => {
        await sleep(700); // e.g. a long wait for the shared budget
        return h.hubspot.companies.batchReadCurrentValues(...a);
      },
      batchUpdate: async (...a) => {
        wrote = true;
        return h.hubspot.companies.batchUpdate(...a);
      },
    });
    const base = h.workerDeps({ companies: slow });
    const deps: FieldSyncDeps = { ...base, options: { ...base.options, leaseMs: 1_000 } };
    await expect(handleOutboxMessage(deps, message)).rejects.toThrow(SyncDeadlineError);
    expect(wrote).toBe(false);
    expect((await outboxOf(h, id)).at(-1)).toMatchObject({ status: 'PENDING', claimed_by: null, attempts: 1 });
  });
});

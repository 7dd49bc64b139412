import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreateCustomerInput } from '../../../shared/customers/schemas.js';
import { customerRow, insertCustomers } from '../../support/customer-factory.js';
import { ADMIN, CLAIM_LEASE_MS, outboxSettled, sandboxCompaniesByBan, waitFor } from '../outbound-sync/field-sync-harness.js';
import type { MessageDelivery } from '../../../dev/local/pubsub-delivery.js';
import type { HubspotCompanies } from '../../../shared/hubspot/client/hubspot-companies.js';
import { reconcileRequestSchema } from '../../../shared/reconciliation/reconcile-request.js';
import { reconcile } from '../../../shared/reconciliation/run-reconciliation.js';
import { withRunLock } from '../../../shared/reconciliation/run-lock.js';
import { rowsOfRun, runResumedAfterFailure, startReconcileHarness, type ReconcileHarness } from './reconcile-harness.js';

const input = (name: string): CreateCustomerInput => ({
  company_name: name,
  customer_type: 'POSTPAID',
  credit_limit: '1000.00',
  contact: { name: 'Ops', email: `ops@${name.toLowerCase().replace(/\W/g, '')}.example.com`, phone: '+1 415 555 0100' },
  address: { line1: '1 Main St', city: 'Springfield', state: 'IL', zip: '62701', country: 'US' },
});

interface Created {
  id: string;
  ban: string;
  companyId: string;
}

describe('reconciliation through the emulator, against the sandbox and the real field-sync worker', () => {
  let h: ReconcileHarness;
  let worker: MessageDelivery;
  const customers: Record<'a' | 'b' | 'c', Created> = {} as never;
  let unlinked: { d: string; e: string; eBan: string; eCompany: string };

  const db = () => h.sync.database.db;
  const customer = (id: string) => db().selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const company = (id: string) => h.sync.sandbox.control.company(id);
  const batchWrites = async () =>
    (await h.sync.sandbox.control.requests()).requests.filter((r) => r.method === 'POST' && /\/batch\/(update|upsert|create)$/.test(r.path))
      .length;

  beforeAll(async () => {
    h = await startReconcileHarness();
    worker = await h.sync.startWorker();
    await h.startReconciler();
    for (const key of ['a', 'b', 'c'] as const) {
      const { data } = JSON.parse((await h.sync.customers.create(ADMIN, input(`Reconcile ${key.toUpperCase()}`), {})).body) as {
        data: { id: string; ban: string };
      };
      const row = await waitFor(async () => {
        const c = await customer(data.id);
        return c.hubspot_link_status === 'LINKED' ? c : undefined;
      }, 'the customer to be linked');
      customers[key] = { id: data.id, ban: data.ban, companyId: row.hubspot_company_id! };
    }
    await outboxSettled(h.sync);
  });
  afterAll(() => h?.close());

  it('the first run over all customers has nothing to look back to: it lists every company once, queuing none in sync', async () => {
    await h.sync.sandbox.control.clearRequests();
    const run = await h.finishedRun(await h.request({ all: true }));
    expect(run).toMatchObject({ status: 'SUCCEEDED', trigger: 'OPERATOR', customer_id: null, errors: 0 });
    expect(run).toMatchObject({ customers_checked: 3, customers_changed: 0, hubspot_calls: 1 });
    expect(await rowsOfRun(h, run.id)).toEqual([]);
    expect(await batchWrites()).toBe(0);
  });

  it('an incremental run catches a lost HubSpot edit, a lost WARP change, a failed change, and customers without a company', async () => {
    const { a, b, c } = customers;
    // Sales edits company A in HubSpot; the webhook never arrives (the sandbox sends none).
    await h.sync.sandbox.control.editAsUser(a.companyId, { warp_credit_limit: '25000', name: 'Renamed In HubSpot' });
    // B changes in WARP, but its outbox row was marked done without a sync.
    await db()
      .updateTable('customers')
      .set({ company_name: 'Renamed In WARP', version: sql`version + 1`, updated_at: sql`now()` })
      .where('id', '=', b.id)
      .execute();
    await db()
      .insertInto('hubspot_sync_queue')
      .values({
        customer_id: b.id,
        operation: 'UPDATE',
        origin: 'WARP',
        changed_fields: ['company_name'],
        status: 'DONE',
        processed_at: new Date(),
      })
      .execute();
    // C changed long ago (updated_at kept) and its sync failed for good since the last run.
    await db()
      .updateTable('customers')
      .set({ company_name: 'Fixed After Failure', version: sql`version + 1` })
      .where('id', '=', c.id)
      .execute();
    await db()
      .insertInto('hubspot_sync_queue')
      .values({
        customer_id: c.id,
        operation: 'UPDATE',
        origin: 'WARP',
        changed_fields: ['company_name'],
        status: 'FAILED',
        processed_at: new Date(),
        last_error: 'HubSpot refused: test',
      })
      .execute();
    // D and E were written without an outbox row; E's company already exists in HubSpot, made by a person.
    const [d, e] = await insertCustomers(
      db(),
      [1, 2].map((n) =>
        customerRow(n, {
          prefix: 'RC',
          company_name: `Unlinked ${n === 1 ? 'D' : 'E'}`,
          customer_type: 'PREPAID',
          updated_at: new Date(Date.now() - 86_400_000),
        }),
      ),
    );
    // (Only the BAN: HubSpot values on it would be pulled by the sync after the link, which is field-sync's business.)
    const eCompany = await h.sync.sandbox.control.createAsUser({ warp_ban: e!.ban });
    unlinked = { d: d!.id, e: e!.id, eBan: e!.ban, eCompany: eCompany.id };

    const run = await h.finishedRun(await h.request({ all: true }));
    // B (updated), C (failed), D and E (no company) from the WARP pass; A from one HubSpot search page.
    expect(run).toMatchObject({ status: 'SUCCEEDED', customers_checked: 5, customers_changed: 5, hubspot_calls: 1, errors: 0 });
    expect((await rowsOfRun(h, run.id)).map((r) => r.customer_id).sort()).toEqual([a.id, b.id, c.id, d!.id, e!.id].sort());
    await outboxSettled(h.sync);

    const aRow = await customer(a.id);
    expect(aRow.credit_limit).toBe('25000.00'); // HUBSPOT_TO_WARP: pulled
    expect(aRow.company_name).toBe('Renamed In HubSpot'); // BIDIRECTIONAL, only HubSpot moved: pulled
    expect((await company(b.companyId)).properties.name).toBe('Renamed In WARP');
    expect((await company(c.companyId)).properties.name).toBe('Fixed After Failure');
    const byBan = await sandboxCompaniesByBan(h.sync);
    const dRow = await customer(d!.id);
    expect(dRow.hubspot_link_status).toBe('LINKED');
    expect(byBan.get(dRow.ban)).toEqual([dRow.hubspot_company_id]);
    const eRow = await customer(e!.id);
    expect(eRow).toMatchObject({ hubspot_link_status: 'LINKED', hubspot_company_id: eCompany.id });
    expect(byBan.get(e!.ban)).toEqual([eCompany.id]); // linked by upsert on warp_ban, not duplicated
    expect((await company(eCompany.id)).properties.name).toBe('Unlinked E');
  });

  it("the scheduler's run re-checks what the last round touched without writing anything, and the next run finds nothing", async () => {
    await h.sync.sandbox.control.clearRequests();
    const versions = await db().selectFrom('customers').select(['id', 'version']).orderBy('id').execute();
    const echo = await h.finishedRun(await h.request({ all: true, trigger: 'SCHEDULER' }));
    expect(echo).toMatchObject({ status: 'SUCCEEDED', trigger: 'SCHEDULER', errors: 0 });
    for (const row of await rowsOfRun(h, echo.id)) expect(row.origin).toBe('RECONCILIATION');
    await outboxSettled(h.sync);
    expect(await batchWrites()).toBe(0);
    expect(await db().selectFrom('customers').select(['id', 'version']).orderBy('id').execute()).toEqual(versions);

    const quiet = await h.finishedRun(await h.request({ all: true, trigger: 'SCHEDULER' }));
    expect(quiet).toMatchObject({ status: 'SUCCEEDED', customers_checked: 0, customers_changed: 0, hubspot_calls: 1 });
  });

  it('FULL compares every customer with its listed company and resyncs only those that differ, not a deleted link (logged)', async () => {
    await worker.close(); // keep the rows pending
    const { a, b, c } = customers;
    await db().updateTable('customers').set({ hubspot_link_status: 'DELETED' }).where('id', '=', unlinked.d).execute();
    // A changed in WARP without an outbox row; a person edits B's company, its webhook lost; C is in sync.
    const quietEdit = { company_name: 'Renamed Quietly In WARP', version: sql<number>`version + 1` };
    await db().updateTable('customers').set(quietEdit).where('id', '=', a.id).execute();
    await h.sync.sandbox.control.editAsUser(b.companyId, { city: 'Shelbyville' });
    const all = (await db().selectFrom('customers').select('id').execute()).map((r) => r.id);
    const cVersion = (await customer(c.id)).version;

    const first = await h.finishedRun(await h.request({ all: true, mode: 'FULL' }));
    expect(first).toMatchObject({ status: 'SUCCEEDED', customers_checked: all.length, customers_changed: 2, hubspot_calls: 1 });
    const rows = await rowsOfRun(h, first.id);
    expect(rows.map((r) => r.customer_id).sort()).toEqual([a.id, b.id].sort());
    expect(rows.every((r) => r.published_at !== null)).toBe(true);
    const attention = await h.logLine(
      (l) => l.message === 'customers whose HubSpot company was deleted still need attention' && l.runId === first.id,
    );
    expect(attention).toMatchObject({ severity: 'WARNING', customers: 1, customerIds: [unlinked.d] });

    // Re-running while the rows are pending adds nothing.
    const again = await h.finishedRun(await h.request({ all: true, mode: 'FULL' }));
    expect(again).toMatchObject({ status: 'SUCCEEDED', customers_checked: all.length, customers_changed: 0 });
    expect(await rowsOfRun(h, again.id)).toEqual([]);

    await db().updateTable('customers').set({ hubspot_link_status: 'LINKED' }).where('id', '=', unlinked.d).execute();
    worker = await h.sync.startWorker();
    await outboxSettled(h.sync);
    expect((await company(a.companyId)).properties.name).toBe('Renamed Quietly In WARP');
    expect((await customer(b.id)).address).toMatchObject({ city: 'Shelbyville' });
    expect((await customer(c.id)).version).toBe(cVersion);

    // Everyone in sync now: a FULL run queues nothing.
    const quiet = await h.finishedRun(await h.request({ all: true, mode: 'FULL' }));
    expect(quiet).toMatchObject({ status: 'SUCCEEDED', customers_checked: all.length, customers_changed: 0, hubspot_calls: 1 });
  });

  it('FULL takes a claim stranded past its lease as missed work, and leaves a claim within its lease alone', async () => {
    await worker.close();
    const { b, c } = customers;
    await db().updateTable('customers').set({ company_name: 'Reconcile B (stranded edit)' }).where('id', '=', b.id).execute();
    const claimed = (customerId: string, claimedBy: string, claimedAt: Date) =>
      db()
        .insertInto('hubspot_sync_queue')
        .values({
          customer_id: customerId,
          operation: 'UPDATE',
          origin: 'WARP',
          changed_fields: ['company_name'],
          status: 'PROCESSING',
          claimed_by: claimedBy,
          claimed_at: claimedAt,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
    const stranded = await claimed(b.id, 'worker-that-died', new Date(Date.now() - 2 * CLAIM_LEASE_MS));
    const live = await claimed(c.id, 'worker-still-busy', new Date());

    const run = await h.finishedRun(await h.request({ all: true, mode: 'FULL' }));
    const resynced = (await rowsOfRun(h, run.id)).map((r) => r.customer_id);
    expect(resynced).toContain(b.id);
    expect(resynced).not.toContain(c.id);

    // The live claim's worker would finish it; here it is gone, so take its row away too.
    await db().deleteFrom('hubspot_sync_queue').where('id', '=', live.id).execute();
    worker = await h.sync.startWorker();
    await outboxSettled(h.sync);
    const row = await db().selectFrom('hubspot_sync_queue').select('status').where('id', '=', stranded.id).executeTakeFirstOrThrow();
    expect(row.status).toBe('DONE');
    expect((await company(b.companyId)).properties.name).toBe('Reconcile B (stranded edit)');
  });

  it('FULL resyncs a customer whose company the listing passed without showing it (deleted, its webhook lost)', async () => {
    // More than one page: the deleted company's id lies inside the first page's stretch.
    await h.sync.sandbox.control.seed(Array.from({ length: 150 }, (_, n) => ({ name: `Filler ${n}` })));
    await h.sync.sandbox.control.archiveAsUser(unlinked.eCompany);

    const run = await h.finishedRun(await h.request({ all: true, mode: 'FULL' }));
    expect(run).toMatchObject({ status: 'SUCCEEDED', customers_changed: 1, hubspot_calls: 2 });
    expect((await rowsOfRun(h, run.id)).map((r) => r.customer_id)).toEqual([unlinked.e]);
    await outboxSettled(h.sync);
    expect(await customer(unlinked.e)).toMatchObject({ hubspot_link_status: 'DELETED' });
  });

  it('a FULL run that fails on a listing page is redelivered and resumes at that page: each customer checked once', async () => {
    const linked = await db().selectFrom('customers').select('id').where('hubspot_company_id', 'is not', null).execute();
    // The second page answers 502 more often than the adapter retries (5 attempts).
    const listing = { method: 'GET', pathPrefix: '/crm/v3/objects/companies' };
    await h.sync.sandbox.control.addFault({ kind: 'status', status: 502, skip: 1, count: 5, ...listing });
    const messageId = await h.request({ all: true, mode: 'FULL' });
    const { run, failedRunId } = await runResumedAfterFailure(h, messageId);
    expect(failedRunId).toBe(run.id);
    // Page 1, page 2's five failed attempts, page 2 again on redelivery.
    expect(run).toMatchObject({ customers_checked: linked.length, customers_changed: 0, errors: 1, error: null, hubspot_calls: 7 });
    expect(JSON.parse(run.cursor!)).toMatchObject({ messageId, pass: 'DONE' });
  });

  it("one customer's resync puts back a WARP-owned value edited in HubSpot; an unknown customer fails the run, acked", async () => {
    const { a } = customers;
    await h.sync.sandbox.control.editAsUser(a.companyId, { warp_status: 'CLOSED' });
    const run = await h.finishedRun(await h.request({ customerId: a.id }));
    expect(run).toMatchObject({
      status: 'SUCCEEDED',
      trigger: 'OPERATOR',
      customer_id: a.id,
      customers_checked: 1,
      customers_changed: 1,
      hubspot_calls: 0,
    });
    expect(await rowsOfRun(h, run.id)).toMatchObject([{ customer_id: a.id, operation: 'RESYNC', origin: 'OPERATOR' }]);
    await outboxSettled(h.sync);
    expect((await customer(a.id)).status).toBe('ACTIVE');
    expect((await company(a.companyId)).properties.warp_status).toBe('ACTIVE');

    const missing = '00000000-0000-4000-8000-000000000000';
    const failed = await h.finishedRun(await h.request({ customerId: missing }));
    expect(failed).toMatchObject({ status: 'FAILED', customer_id: null, customers_changed: 0, error: `customer ${missing} not found` });
    await h.logLine((l) => l.message === 'reconcile request names an unknown customer' && l.customerId === missing);
  });

  it('an INCREMENTAL run that fails on a search page resumes at that page: each company looked at once', async () => {
    const { a, b, c } = customers;
    for (const { companyId } of [a, b, c]) await h.sync.sandbox.control.editAsUser(companyId, { city: 'Resumed City' });
    const real = h.deps().companies;
    const searchedAfter: Array<string | undefined> = [];
    const windowEnds = new Set<number | undefined>();
    let failSecondPage = true;
    const companies: Pick<HubspotCompanies, 'searchCompanies'> = {
      searchCompanies: async (request, cursor) => {
        searchedAfter.push(cursor?.afterId);
        windowEnds.add(request.modifiedBefore?.getTime());
        if (cursor && failSecondPage) {
          failSecondPage = false;
          throw new Error('search unavailable');
        }
        return real.searchCompanies(request, cursor);
      },
    };
    const deps = h.deps({ companies, searchPageSize: 1 });
    const request = reconcileRequestSchema.parse({ all: true });
    await expect(reconcile(deps, request, 'search-resumed')).rejects.toThrow('search unavailable');
    const outcome = await reconcile(deps, request, 'search-resumed');

    const [first, second] = [a, b, c].map((x) => x.companyId).sort((x, y) => Number(x) - Number(y));
    // The first page, the second failing, then from the second page on, each page once.
    expect(searchedAfter.slice(0, 3)).toEqual([undefined, first, first]);
    expect(searchedAfter.slice(3)).toContain(second);
    expect(new Set(searchedAfter.slice(2)).size).toBe(searchedAfter.length - 2);
    // Changes up to the run's recorded start (the next run looks back to it), the same window after the resume.
    const { started_at: startedAt } = await db()
      .selectFrom('hubspot_reconciliation_runs')
      .select('started_at')
      .where('id', '=', (outcome as { runId: string }).runId)
      .executeTakeFirstOrThrow();
    expect([...windowEnds]).toEqual([startedAt.getTime()]);
    expect(outcome).toMatchObject({ kind: 'SUCCEEDED', errors: 1 });
    const rows = await rowsOfRun(h, (outcome as { runId: string }).runId);
    const resynced = rows.map((r) => r.customer_id);
    expect(resynced).toEqual(expect.arrayContaining([a.id, b.id, c.id]));
    expect(new Set(resynced).size).toBe(resynced.length);
    await outboxSettled(h.sync);
    for (const { id } of [a, b, c]) expect((await customer(id)).address.city).toBe('Resumed City');
  });

  it('a redelivery of a request already handled is answered while another run holds the lock, not dropped as concurrent', async () => {
    const request = reconcileRequestSchema.parse({ all: true });
    const handled = await reconcile(h.deps(), request, 'handled-before');
    expect(handled).toMatchObject({ kind: 'SUCCEEDED' });
    // Another instance's run holds the lock meanwhile.
    const held = await withRunLock(db(), async () => ({
      redelivered: await reconcile(h.deps(), request, 'handled-before'),
      fresh: await reconcile(h.deps(), request, 'new-meanwhile'),
    }));
    expect(held).toEqual({
      acquired: true,
      value: { redelivered: { kind: 'ALREADY_DONE', runId: (handled as { runId: string }).runId }, fresh: { kind: 'BUSY' } },
    });
  });
});

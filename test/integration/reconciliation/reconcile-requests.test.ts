import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageDelivery } from '../../../dev/local/pubsub-delivery.js';
import type { HubspotCompanies } from '../../../shared/hubspot/client/hubspot-companies.js';
import { customerRow, insertCustomer, insertCustomers } from '../../support/customer-factory.js';
import { waitFor } from '../outbound-sync/field-sync-harness.js';
import { rowsOfRun, runResumedAfterFailure, startReconcileHarness, type ReconcileHarness } from './reconcile-harness.js';

type Companies = Pick<HubspotCompanies, 'searchCompanies' | 'batchReadWithHistory'>;

/** Searches that wait for `before` first (to hold a run). */
function searchWith(real: Companies, before: () => Promise<void>): Companies {
  return { ...real, searchCompanies: async (request, cursor) => (await before(), real.searchCompanies(request, cursor)) };
}

describe('reconcile requests: malformed, concurrent, failing (no field-sync worker: RESYNC rows stay pending)', () => {
  let h: ReconcileHarness;
  let reconciler: MessageDelivery | undefined;
  let release: () => void = () => undefined;
  let behaviour: 'PASS' | 'HOLD' = 'PASS';
  const searches: string[] = [];
  let startReconciler: () => Promise<MessageDelivery>;
  const db = () => h.sync.database.db;

  beforeAll(async () => {
    h = await startReconcileHarness();
    const real = h.deps().companies;
    const gate = async () => {
      searches.push(behaviour);
      if (behaviour === 'HOLD') await new Promise<void>((resolve) => (release = resolve));
    };
    startReconciler = () => h.startReconciler({ companies: searchWith(real, gate), chunkSize: 2 });
    reconciler = await startReconciler();
    await insertCustomers(
      db(),
      [1, 2, 3, 4, 5].map((n) => customerRow(n, { prefix: 'RQ', company_name: `Requested ${n}` })),
    );
  });
  afterAll(async () => {
    release();
    await h?.close();
  });

  it('malformed requests are logged and acked, never retried, and start no run', async () => {
    const bad = [
      'not json',
      { all: false },
      { customerId: 'nope' },
      { all: true, mode: 'full' },
      { all: true, customerId: '8b1c578f-f913-4e64-9624-197fba5ff65a' },
    ];
    const ids = await Promise.all(bad.map((message) => h.request(message)));
    for (const id of ids) {
      const line = await h.logLine((l) => l.message === 'reconcile request rejected' && l.eventId === id);
      expect(line).toMatchObject({ severity: 'ERROR', reason: expect.any(String) });
    }
    // Closing waits for every delivery to finish and for its ack (or nack) to reach Pub/Sub: then
    // no handler threw, and each message was handed over exactly once.
    await reconciler!.close();
    expect(reconciler!.stats).toEqual({ delivered: bad.length, failed: 0 });
    reconciler = await startReconciler();
    expect(await db().selectFrom('hubspot_reconciliation_runs').selectAll().execute()).toEqual([]);
  });

  it('a run that fails is redelivered by Pub/Sub and resumes from its cursor: each chunk counted and enqueued once', async () => {
    // The first run over all customers is a full pass (no HubSpot call); the second looks back to it.
    const full = await h.finishedRun(await h.request({ all: true }));
    expect(full).toMatchObject({ status: 'SUCCEEDED', customers_checked: 5, customers_changed: 5 });
    await db().updateTable('hubspot_sync_queue').set({ status: 'DONE', processed_at: new Date() }).execute();

    // HubSpot's search answers 502 more often than the adapter retries (5 attempts): the run fails.
    await h.sync.sandbox.control.addFault({ kind: 'status', status: 502, count: 5, pathPrefix: '/crm/v3/objects/companies/search' });
    const messageId = await h.request({ all: true });
    const { run, failedRunId } = await runResumedAfterFailure(h, messageId);
    expect(failedRunId).toBe(run.id);
    // 5 unlinked customers in chunks of 2 before the failed search, none again after it; the
    // search: 5 failed attempts, then 1 on redelivery.
    expect(run).toMatchObject({ customers_checked: 5, customers_changed: 5, errors: 1, error: null, hubspot_calls: 6 });
    expect(JSON.parse(run.cursor!)).toMatchObject({ messageId, pass: 'DONE' });
    expect(new Set((await rowsOfRun(h, run.id)).map((r) => r.customer_id)).size).toBe(5);
    expect(await db().selectFrom('hubspot_reconciliation_runs').select('id').execute()).toHaveLength(2);
  });

  it("one run over all customers at a time: a second request meanwhile is logged and acked; one customer's resync goes", async () => {
    await db().updateTable('hubspot_sync_queue').set({ status: 'DONE', processed_at: new Date() }).execute();
    const runsBefore = (await db().selectFrom('hubspot_reconciliation_runs').select('id').execute()).length;
    behaviour = 'HOLD';
    const first = await h.request({ all: true });
    await waitFor(async () => searches.at(-1) === 'HOLD', 'the first run to reach HubSpot', 10_000);
    const second = await h.request({ all: true, mode: 'FULL' });
    await h.logLine((l) => l.message === 'reconciliation already running; request dropped' && l.messageId === second);

    // The search is fetched ahead while the WARP pass goes: wait for the held run's cursor to leave
    // that pass, so that a customer added now has no pending row yet.
    await waitFor(async () => {
      const runs = await db().selectFrom('hubspot_reconciliation_runs').select('cursor').where('status', '=', 'RUNNING').execute();
      return runs.some((r) => {
        const cursor = JSON.parse(r.cursor ?? '{}') as { messageId?: string; pass?: string };
        return cursor.messageId === first && cursor.pass !== 'WARP';
      });
    }, "the held run's WARP pass to end");
    const one = await insertCustomer(db(), 6, { prefix: 'RQ', company_name: 'Requested 6' });
    const single = await h.finishedRun(await h.request({ customerId: one.id }));
    expect(single).toMatchObject({ status: 'SUCCEEDED', customers_changed: 1 });

    behaviour = 'PASS';
    release();
    const run = await h.finishedRun(first);
    expect(run.status).toBe('SUCCEEDED');
    // The first run, the single customer's; nothing for the dropped request.
    expect(await db().selectFrom('hubspot_reconciliation_runs').select('id').execute()).toHaveLength(runsBefore + 2);
    expect(searches.filter((s) => s === 'HOLD')).toHaveLength(1);
    // The handler lets go of the run lock only after the run is recorded SUCCEEDED: wait for every
    // delivery to end, so that the next test's request is not dropped as a concurrent one.
    await reconciler!.close();
    reconciler = await startReconciler();
  });

  it('a run left RUNNING by an instance that died (its lock died with it) is marked FAILED by the next run', async () => {
    const cursor = JSON.stringify({
      messageId: 'gone-123',
      request: { all: true, mode: 'FULL', trigger: 'OPERATOR' },
      since: null,
      pass: 'WARP',
      after: null,
    });
    const stale = await db()
      .insertInto('hubspot_reconciliation_runs')
      .values({ trigger: 'OPERATOR', cursor })
      .returning('id')
      .executeTakeFirstOrThrow();
    const run = await h.finishedRun(await h.request({ all: true, mode: 'FULL' }));
    expect(run.status).toBe('SUCCEEDED');
    expect(
      await db().selectFrom('hubspot_reconciliation_runs').select(['status', 'error']).where('id', '=', stale.id).executeTakeFirstOrThrow(),
    ).toEqual({
      status: 'FAILED',
      error: 'abandoned: the instance running it stopped before it finished',
    });
    await h.logLine((l) => l.message === 'reconciliation runs left RUNNING by a stopped instance marked FAILED' && l.runId === run.id);
  });
});

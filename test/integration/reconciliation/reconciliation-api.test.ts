import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReconciliationApi, type ReconciliationApi } from './reconciliation-api-support.js';
import { ADMIN, outboxSettled, waitFor } from '../outbound-sync/field-sync-harness.js';
import { SEED_USERS } from '../../../dev/local/seed.js';
import type { CreateCustomerInput } from '../../../shared/customers/schemas.js';
import { call } from '../customer-api/support.js';

const input = (name: string): CreateCustomerInput => ({
  company_name: name,
  customer_type: 'POSTPAID',
  credit_limit: '1000.00',
  contact: { name: 'Ops', email: `ops@${name.toLowerCase().replace(/\W/g, '')}.example.com`, phone: '+1 415 555 0100' },
  address: { line1: '1 Main St', city: 'Springfield', state: 'IL', zip: '62701', country: 'US' },
});

/** Holds HubSpot searches while `hold` is on. */
function gate() {
  let open: Promise<void> = Promise.resolve();
  let release = () => undefined as void;
  return {
    get promise() {
      return open;
    },
    hold() {
      open = new Promise<void>((resolve) => (release = resolve));
    },
    release: () => release(),
  };
}

describe('reconciliation over HTTPS: runs, single flight, dry-run reports', () => {
  const held = gate();
  let r: ReconciliationApi;
  const ids: Record<'a' | 'b' | 'c', { id: string; companyId: string }> = {} as never;
  const db = () => r.h.sync.database.db;

  beforeAll(async () => {
    r = await createReconciliationApi();
    const worker = await r.h.sync.startWorker();
    for (const key of ['a', 'b', 'c'] as const) {
      const { data } = JSON.parse((await r.h.sync.customers.create(ADMIN, input(`Dry Run ${key.toUpperCase()}`), {})).body) as {
        data: { id: string };
      };
      const row = await waitFor(async () => {
        const c = await db()
          .selectFrom('customers')
          .select(['hubspot_link_status', 'hubspot_company_id'])
          .where('id', '=', data.id)
          .executeTakeFirstOrThrow();
        return c.hubspot_link_status === 'LINKED' ? c : undefined;
      }, 'the customer to be linked');
      ids[key] = { id: data.id, companyId: row.hubspot_company_id! };
    }
    await outboxSettled(r.h.sync);
    // From here on nothing syncs: what a run changes is what it enqueues.
    await worker.close();
  });
  afterAll(() => r?.close());

  const waitForRun = (id: string) =>
    waitFor(async () => {
      const res = await call(r.api, 'GET', `/v1/sync/reconciliations/${id}`, { token: r.tokens.superAdmin });
      return ['SUCCEEDED', 'FAILED'].includes(res.body.data.status) ? res.body.data : undefined;
    }, `run ${id} to finish`);

  it('refuses a customer_admin (403) and a bad body, naming the field (400)', async () => {
    for (const [method, path, body] of [
      ['POST', '/v1/sync/reconciliations', { mode: 'FULL' }],
      ['GET', '/v1/sync/reconciliations', undefined],
      ['GET', '/v1/sync/reconciliations/1/diff', undefined],
      ['POST', '/v1/sync/dead-letters/replay', { subscription: 'x-dead-letter-inspect' }],
    ] as const) {
      const res = await call(r.api, method, path, { body, token: r.tokens.customerAdmin });
      expect(res.status, path).toBe(403);
      expect(res.body.error.code).toBe('FORBIDDEN');
    }
    const cases: Array<[unknown, string]> = [
      [{ mode: 'SOMETIMES' }, 'mode'],
      [{}, 'mode'],
      [{ mode: 'FULL', dryRun: 'yes' }, 'dryRun'],
      [{ mode: 'FULL', customerIds: ['not-a-uuid'] }, 'customerIds.0'],
      [{ mode: 'INCREMENTAL', customerIds: [ids.a.id] }, 'mode'],
      [{ mode: 'FULL', all: true }, 'all'],
    ];
    for (const [body, field] of cases) {
      const res = await call(r.api, 'POST', '/v1/sync/reconciliations', { body, token: r.tokens.superAdmin });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(res.body.error.details.issues.map((i: { path: string }) => i.path)).toContain(field);
    }
    const badQuery = await call(r.api, 'GET', '/v1/sync/reconciliations?limit=0', { token: r.tokens.superAdmin });
    expect(badQuery.body.error.details.issues[0].path).toBe('limit');
    expect((await call(r.api, 'GET', '/v1/sync/reconciliations/999999', { token: r.tokens.superAdmin })).status).toBe(404);
  });

  it('starts the run a Pub/Sub request starts, holds the single flight (409 RUN_IN_PROGRESS), reports progress', async () => {
    const started = await call(r.api, 'POST', '/v1/sync/reconciliations', { body: { mode: 'FULL' }, token: r.tokens.superAdmin });
    expect(started.status).toBe(202);
    expect(started.body.data).toMatchObject({
      status: 'QUEUED',
      mode: 'FULL',
      dryRun: false,
      trigger: 'OPERATOR',
      startedBy: SEED_USERS.superAdmin.userId,
    });
    const runId = started.body.data.id as string;

    // Queued and not yet picked up (no reconcile worker yet): a second request is refused.
    const second = await call(r.api, 'POST', '/v1/sync/reconciliations', {
      body: { mode: 'INCREMENTAL', dryRun: true },
      token: r.tokens.superAdmin,
    });
    expect(second.status).toBe(409);
    expect(second.body.error).toMatchObject({ code: 'RUN_IN_PROGRESS', details: { runId } });

    const real = r.h.deps().companies;
    await r.h.startReconciler({
      companies: { ...real, searchCompanies: async (request, cursor) => (await held.promise, real.searchCompanies(request, cursor)) },
    });
    const run = await waitForRun(runId);
    const customers = Number(
      (
        await db()
          .selectFrom('customers')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
    expect(run).toMatchObject({
      status: 'SUCCEEDED',
      counts: { checked: customers, errors: 0 },
      progress: { customersTotal: customers, customersChecked: customers, percent: 100, estimatedFinishAt: null },
    });
    expect(run.finishedAt).not.toBeNull();
    const rows = await db()
      .selectFrom('hubspot_sync_queue')
      .select('customer_id')
      .where('changed_by', '=', `reconciliation-run:${runId}`)
      .execute();
    expect(rows).toHaveLength(run.counts.changed);

    const page = await call(r.api, 'GET', '/v1/sync/reconciliations?limit=1', { token: r.tokens.superAdmin });
    expect(page.body.data.items.map((x: { id: string }) => x.id)).toEqual([runId]);
    expect(page.body.data.nextCursor).toBeNull();

    // A Pub/Sub request's run holds the same single flight while it runs (held in its HubSpot pass).
    held.hold();
    const messageId = await r.h.request({ all: true });
    const running = await waitFor(async () => {
      const rows = await db()
        .selectFrom('hubspot_reconciliation_runs')
        .select(['id', 'status', 'cursor'])
        .where('status', '=', 'RUNNING')
        .execute();
      return rows.find((row) => row.cursor?.includes(messageId) && row.cursor.includes('"HUBSPOT"'));
    }, 'the incremental run to reach its HubSpot pass');
    const busy = await call(r.api, 'POST', '/v1/sync/reconciliations', { body: { mode: 'FULL' }, token: r.tokens.superAdmin });
    expect(busy.status).toBe(409);
    expect(busy.body.error.details).toEqual({ runId: running.id });
    const shown = await call(r.api, 'GET', `/v1/sync/reconciliations/${running.id}`, { token: r.tokens.superAdmin });
    expect(shown.body.data).toMatchObject({ status: 'RUNNING', mode: 'INCREMENTAL', startedBy: null, progress: { percent: 100 } });
    held.release();
    expect(await r.h.finishedRun(messageId)).toMatchObject({ status: 'SUCCEEDED' });
    const pages = await call(r.api, 'GET', '/v1/sync/reconciliations?limit=1', { token: r.tokens.superAdmin });
    const older = await call(r.api, 'GET', `/v1/sync/reconciliations?limit=1&cursor=${pages.body.data.nextCursor}`, {
      token: r.tokens.superAdmin,
    });
    expect([...pages.body.data.items, ...older.body.data.items].map((x: { id: string }) => x.id)).toEqual([running.id, runId]);
    expect(older.body.data.nextCursor).toBeNull();
    // Let the field-sync worker settle what the run queued before the dry run looks.
    const worker = await r.h.sync.startWorker();
    await outboxSettled(r.h.sync);
    await worker.close();
  });

  it('a dry run reports the exact decisions and writes nothing to customers, the outbox or HubSpot', async () => {
    const { a, b, c } = ids;
    const control = r.h.sync.sandbox.control;
    // A: edited in HubSpot (its webhooks are lost): a HubSpot-owned and a bidirectional field.
    await control.editAsUser(a.companyId, { warp_credit_limit: '25000', name: 'Renamed In HubSpot' });
    // B: a WARP-owned field changed in HubSpot, and a WARP change whose outbox row was lost.
    await control.editAsUser(b.companyId, { warp_status: 'SUSPENDED' });
    await db()
      .updateTable('customers')
      .set({ company_name: 'Renamed In WARP', version: sql`version + 1`, updated_at: sql`now()` })
      .where('id', '=', b.id)
      .execute();
    // C: legal_name is MANUAL for C, and both sides set it.
    await db()
      .insertInto('hubspot_sync_config')
      .values({
        customer_id: c.id,
        warp_field: 'legal_name',
        hubspot_property: 'warp_legal_name',
        direction: 'BIDIRECTIONAL',
        conflict_rule: 'MANUAL',
        transform: { name: 'text' },
      })
      .execute();
    await db()
      .updateTable('customers')
      .set({ legal_name: 'C Legal WARP', version: sql`version + 1`, updated_at: sql`now()` })
      .where('id', '=', c.id)
      .execute();
    await control.editAsUser(c.companyId, { warp_legal_name: 'C Legal HubSpot' });

    const snapshot = async () => ({
      customers: await db().selectFrom('customers').selectAll().orderBy('id').execute(),
      outbox: await db().selectFrom('hubspot_sync_queue').selectAll().orderBy('id').execute(),
      states: await db().selectFrom('hubspot_field_state').selectAll().orderBy('customer_id').orderBy('warp_field').execute(),
      log: await db().selectFrom('hubspot_sync_log').select('id').orderBy('id').execute(),
      companies: await Promise.all([a, b, c].map((x) => control.company(x.companyId))),
    });
    const before = await snapshot();
    await control.clearRequests();

    const started = await call(r.api, 'POST', '/v1/sync/reconciliations', {
      body: { mode: 'FULL', customerIds: [a.id, b.id, c.id.toUpperCase()], dryRun: true },
      token: r.tokens.superAdmin,
    });
    expect(started.status).toBe(202);
    const run = await waitForRun(started.body.data.id);
    expect(run).toMatchObject({
      status: 'SUCCEEDED',
      dryRun: true,
      mode: null,
      counts: { checked: 3, changed: 3, errors: 0 },
      progress: { customersTotal: 3, percent: 100 },
    });
    expect(run.counts.hubspotCalls).toBeGreaterThan(0);

    const all = await call(r.api, 'GET', `/v1/sync/reconciliations/${run.id}/diff?limit=500`, { token: r.tokens.superAdmin });
    const name = { [a.id]: 'a', [b.id]: 'b', [c.id]: 'c' } as Record<string, string>;
    const changes = all.body.data.items
      .filter((d: { decision: string }) => d.decision !== 'none')
      .map(
        (d: {
          customerId: string;
          warpField: string;
          decision: string;
          reason: string;
          warpValue: string | null;
          hubspotValue: string | null;
        }) => [name[d.customerId], d.warpField, d.decision, d.reason, d.warpValue, d.hubspotValue],
      )
      .sort();
    expect(changes).toEqual([
      ['a', 'company_name', 'pull', 'HUBSPOT_CHANGED', 'Dry Run A', 'Renamed In HubSpot'],
      ['a', 'credit_limit', 'pull', 'HUBSPOT_CHANGED', '1000.00', '25000.00'],
      ['b', 'company_name', 'push', 'WARP_CHANGED', 'Renamed In WARP', 'Dry Run B'],
      ['b', 'status', 'put_back', 'OWNER_WINS', 'ACTIVE', 'SUSPENDED'],
      ['c', 'legal_name', 'conflict', 'MANUAL', 'C Legal WARP', 'C Legal HubSpot'],
    ]);
    // Every other mapped field is reported too, as nothing to do.
    const nothing = all.body.data.items.filter((d: { decision: string }) => d.decision === 'none');
    expect(nothing.length).toBeGreaterThan(30);
    expect(new Set(nothing.map((d: { reason: string }) => d.reason))).toEqual(new Set(['IN_SYNC', 'DIRECTION_NONE']));

    const pulls = await call(r.api, 'GET', `/v1/sync/reconciliations/${run.id}/diff?decision=pull&limit=1`, { token: r.tokens.superAdmin });
    expect(pulls.body.data.items).toHaveLength(1);
    const rest = await call(
      r.api,
      'GET',
      `/v1/sync/reconciliations/${run.id}/diff?decision=pull&limit=1&cursor=${pulls.body.data.nextCursor}`,
      { token: r.tokens.superAdmin },
    );
    expect(rest.body.data).toMatchObject({ items: [{ decision: 'pull' }], nextCursor: null });
    expect(rest.body.data.items[0].id).not.toBe(pulls.body.data.items[0].id);
    const badFilter = await call(r.api, 'GET', `/v1/sync/reconciliations/${run.id}/diff?decision=maybe`, { token: r.tokens.superAdmin });
    expect(badFilter.body.error.details.issues[0].path).toBe('decision');

    expect(await snapshot()).toEqual(before);
    const requests = (await control.requests(600_000)).requests;
    expect(requests.some((q) => q.path.endsWith('/batch/read'))).toBe(true);
    expect(requests.filter((q) => q.method !== 'GET' && !q.path.endsWith('/batch/read'))).toEqual([]);
  });

  it('a real run has no diff report; the gcloud message takes "dryRun": true too', async () => {
    const [realRun] = await db().selectFrom('hubspot_reconciliation_runs').select('id').where('dry_run', '=', false).execute();
    expect((await call(r.api, 'GET', `/v1/sync/reconciliations/${realRun!.id}/diff`, { token: r.tokens.superAdmin })).status).toBe(404);

    const run = await r.h.finishedRun(await r.h.request({ customerId: ids.b.id, dryRun: true }));
    expect(run).toMatchObject({ status: 'SUCCEEDED', customers_checked: 1, customers_changed: 1 });
    const diff = await call(r.api, 'GET', `/v1/sync/reconciliations/${run.id}/diff?decision=push`, { token: r.tokens.superAdmin });
    expect(diff.body.data.items).toMatchObject([{ customerId: ids.b.id, warpField: 'company_name', reason: 'WARP_CHANGED' }]);
    const outboxOfRun = await db()
      .selectFrom('hubspot_sync_queue')
      .select('id')
      .where('changed_by', '=', `reconciliation-run:${run.id}`)
      .execute();
    expect(outboxOfRun).toEqual([]);
  });
});

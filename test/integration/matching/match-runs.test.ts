import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_USERS } from '../../../dev/local/seed.js';
import { call } from '../customer-api/support.js';
import { outboxSettled, sandboxCompaniesByBan, waitFor } from '../outbound-sync/field-sync-harness.js';
import { createReconciliationApi, type ReconciliationApi } from '../reconciliation/reconciliation-api-support.js';
import { seedOnboarding, type SeededOnboarding } from './match-support.js';

/** The portal of the onboarding test: as many companies as WARP customers. */
const PORTAL_SIZE = 5000;

interface Proposal {
  customerId: string;
  status: string;
  decision: string;
  companyId: string | null;
  rule: string | null;
  ambiguity: string | null;
  apply: { status: string; error: string | null } | null;
}

describe('onboarding an existing HubSpot portal: match runs, dry run first, then applied', () => {
  let r: ReconciliationApi;
  let seeded: SeededOnboarding;
  const db = () => r.h.sync.database.db;
  const admin = () => r.tokens.superAdmin;

  beforeAll(async () => {
    r = await createReconciliationApi();
    seeded = await seedOnboarding(db(), r.h.sync.sandbox, PORTAL_SIZE);
    await r.h.startReconciler();
  }, 120_000);
  afterAll(() => r?.close());

  const finished = (id: string) =>
    waitFor(
      async () => {
        const res = await call(r.api, 'GET', `/v1/sync/matches/${id}?limit=1`, { token: admin() });
        return ['SUCCEEDED', 'FAILED'].includes(res.body.data.status) && res.body.data.pass === 'DONE' ? res.body.data : undefined;
      },
      `match run ${id}`,
      180_000,
    );

  async function report(id: string, query = ''): Promise<Proposal[]> {
    const items: Proposal[] = [];
    let cursor: string | null = null;
    do {
      const res = await call(r.api, 'GET', `/v1/sync/matches/${id}?limit=500${query}${cursor ? `&cursor=${cursor}` : ''}`, {
        token: admin(),
      });
      expect(res.status).toBe(200);
      items.push(...res.body.data.report.items);
      cursor = res.body.data.report.nextCursor;
    } while (cursor);
    return items;
  }

  it('refuses a customer_admin (403) and a bad body or query, naming the field (400)', async () => {
    for (const [method, path] of [
      ['POST', '/v1/sync/matches'],
      ['GET', '/v1/sync/matches'],
      ['GET', '/v1/sync/matches/1'],
      ['POST', '/v1/sync/matches/1/apply'],
    ] as const) {
      const res = await call(r.api, method, path, {
        body: method === 'POST' ? { dryRun: true } : undefined,
        token: r.tokens.customerAdmin,
      });
      expect(res.status, path).toBe(403);
    }
    const cases: Array<[unknown, string]> = [
      [{}, 'dryRun'],
      [{ dryRun: 'yes' }, 'dryRun'],
      [{ dryRun: true, minConfidence: 1.5 }, 'minConfidence'],
      [{ dryRun: true, everything: true }, 'everything'],
    ];
    for (const [body, field] of cases) {
      const res = await call(r.api, 'POST', '/v1/sync/matches', { body, token: admin() });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(res.body.error.details.issues.map((i: { path: string }) => i.path)).toContain(field);
    }
    const badQuery = await call(r.api, 'GET', '/v1/sync/matches/1?decision=MAYBE', { token: admin() });
    expect(badQuery.status).toBe(400);
    expect(badQuery.body.error.details.issues[0].path).toBe('decision');
    expect((await call(r.api, 'GET', '/v1/sync/matches/999999', { token: admin() })).status).toBe(404);
    expect((await call(r.api, 'POST', '/v1/sync/matches/999999/apply', { body: {}, token: admin() })).status).toBe(404);
  });

  it('a dry run proposes the right company for every customer, links nothing and writes nothing to HubSpot', async () => {
    const before = (await r.h.sync.sandbox.control.requests()).counters.total;
    const started = await call(r.api, 'POST', '/v1/sync/matches', { body: { dryRun: true }, token: admin() });
    expect(started.status).toBe(202);
    expect(started.body.data).toMatchObject({
      status: 'QUEUED',
      dryRun: true,
      minConfidence: 0.8,
      startedBy: SEED_USERS.superAdmin.userId,
    });
    const second = await call(r.api, 'POST', '/v1/sync/matches', { body: { dryRun: true }, token: admin() });
    expect([202, 409]).toContain(second.status);
    if (second.status === 409) expect(second.body.error.code).toBe('RUN_IN_PROGRESS');

    const run = await finished(started.body.data.id);
    expect(run).toMatchObject({ status: 'SUCCEEDED', error: null, counts: { companiesListed: PORTAL_SIZE, linked: 0, errors: 0 } });
    // Listing is the only read: 100 companies per call.
    expect(run.counts.hubspotCalls).toBe(PORTAL_SIZE / 100);
    expect((await r.h.sync.sandbox.control.requests()).counters.total - before).toBe(PORTAL_SIZE / 100);

    const proposals = new Map((await report(run.id)).map((p) => [p.customerId, p]));
    for (const [customerId, companyId] of seeded.expected) {
      const p = proposals.get(customerId)!;
      if (companyId === null) expect(p.decision, customerId).not.toBe('LINK');
      else expect(p, customerId).toMatchObject({ decision: 'LINK', companyId });
    }
    // Two customers of one domain and one company are contested, never linked.
    const shared = seeded.portal.customers.findIndex((c) => c.case === 'SHARED_DOMAIN');
    expect(proposals.get(seeded.customerIds[shared]!)).toMatchObject({
      status: 'AMBIGUOUS',
      decision: 'AMBIGUOUS',
      ambiguity: 'COMPANY_CONTESTED',
    });
    const linked = await db().selectFrom('customers').select('id').where('hubspot_link_status', '=', 'LINKED').execute();
    expect(linked).toEqual([]);

    const onlyLinks = await report(run.id, '&decision=LINK&rule=DOMAIN');
    expect(onlyLinks.length).toBeGreaterThan(0);
    expect(onlyLinks.every((p) => p.decision === 'LINK' && p.rule === 'DOMAIN')).toBe(true);
  }, 240_000);

  it('applying the reviewed report links every LINK proposal, stamps warp_ban, and the sync creates no duplicate', async () => {
    const runs = await call(r.api, 'GET', '/v1/sync/matches?status=SUCCEEDED', { token: admin() });
    const dry = runs.body.data.items.find((x: { dryRun: boolean }) => x.dryRun);

    const picked = [...seeded.expected].find(([, company]) => company !== null)![0];
    const refused = await call(r.api, 'POST', `/v1/sync/matches/${dry.id}/apply`, {
      body: { customerIds: [picked, seeded.customerIds[seeded.portal.customers.findIndex((c) => c.case === 'SHARED_DOMAIN')]] },
      token: admin(),
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'VALIDATION_FAILED' });

    const applied = await call(r.api, 'POST', `/v1/sync/matches/${dry.id}/apply`, { body: {}, token: admin() });
    expect(applied.status).toBe(202);
    expect(applied.body.data).toMatchObject({ status: 'QUEUED', appliedBy: SEED_USERS.superAdmin.userId });
    const run = await finished(dry.id);
    const linkCount = [...seeded.expected.values()].filter((c) => c !== null).length;
    expect(run).toMatchObject({ status: 'SUCCEEDED', counts: { linked: linkCount, errors: 0 } });

    const proposals = await report(dry.id, '&decision=LINK');
    expect(proposals.every((p) => p.apply?.status === 'LINKED')).toBe(true);
    const customers = await db()
      .selectFrom('customers')
      .select(['id', 'hubspot_company_id', 'hubspot_link_status'])
      .where('id', 'in', seeded.customerIds)
      .execute();
    for (const c of customers) {
      const expected = seeded.expected.get(c.id) ?? null;
      expect({ id: c.id, company: c.hubspot_company_id }).toEqual({ id: c.id, company: expected });
    }
    const logged = await db()
      .selectFrom('hubspot_sync_log')
      .select(['customer_id', 'fields'])
      .where('operation', '=', 'LINK_COMPANY')
      .execute();
    expect(logged).toHaveLength(linkCount);
    expect(logged[0]!.fields).toMatchObject({
      rule: expect.stringMatching(/^(DOMAIN|NAME_LOCATION|NAME|WARP_BAN)$/),
      by: SEED_USERS.superAdmin.userId,
      matchRunId: dry.id,
    });

    // The links' RESYNCs stamp warp_ban through the normal push.
    const worker = await r.h.sync.startWorker();
    try {
      await outboxSettled(r.h.sync, 180_000);
    } finally {
      await worker.close();
    }
    // The test's own reads of the whole portal are not the sync's: they get a budget of their own.
    await r.h.sync.sandbox.control.configure({ tenSecondLimit: 10_000 });
    const byBan = await sandboxCompaniesByBan(r.h.sync);
    byBan.delete('');
    expect([...byBan.values()].filter((ids) => ids.length > 1)).toEqual([]);
    const everyone = await db().selectFrom('customers').select(['id', 'ban', 'hubspot_company_id']).execute();
    const onboarded = everyone.filter((c) => seeded.expected.has(c.id));
    for (const c of onboarded.filter((x) => x.hubspot_company_id !== null)) expect(byBan.get(c.ban)).toEqual([c.hubspot_company_id]);
    // No company was created for an onboarded customer: each one stamped is one sales had.
    const seededCompanies = new Set(seeded.companyIds);
    const stampedForOnboarded = onboarded.flatMap((c) => byBan.get(c.ban) ?? []);
    expect(stampedForOnboarded.filter((id) => !seededCompanies.has(id))).toEqual([]);
    expect(stampedForOnboarded).toHaveLength(linkCount);

    const again = await call(r.api, 'POST', `/v1/sync/matches/${dry.id}/apply`, { body: {}, token: admin() });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('CONFLICT');
  }, 400_000);

  it('a match requested over Pub/Sub, as gcloud publishes it, reports only the customers still unlinked', async () => {
    const messageId = await r.h.request({ match: true, dryRun: true });
    const row = await waitFor(
      async () => {
        const found = await db()
          .selectFrom('hubspot_match_runs')
          .select(['id', 'status', 'customers_total'])
          .where('message_id', '=', messageId)
          .executeTakeFirst();
        return found && found.status !== 'RUNNING' ? found : undefined;
      },
      'the Pub/Sub match run',
      120_000,
    );
    expect(row.status).toBe('SUCCEEDED');
    const unlinked = await db().selectFrom('customers').select('id').where('hubspot_link_status', '!=', 'LINKED').execute();
    expect(row.customers_total).toBe(unlinked.length);
    const proposals = await report(row.id);
    expect(proposals.filter((p) => p.decision === 'LINK')).toEqual([]);
  }, 180_000);
});

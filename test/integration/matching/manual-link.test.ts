import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_USERS } from '../../../dev/local/seed.js';
import { createHubspotClient } from '../../../shared/hubspot/client/index.js';
import { createLogger } from '../../../shared/logging/logger.js';
import { call } from '../customer-api/support.js';
import { ADMIN, createViaApi, customerRow, outboxSettled, sandboxCompaniesByBan, waitFor } from '../outbound-sync/field-sync-harness.js';
import { createReconciliationApi, type ReconciliationApi } from '../reconciliation/reconciliation-api-support.js';

describe('linking a customer to a HubSpot company by hand: candidates, link, unlink', () => {
  let r: ReconciliationApi;
  let a: { id: string; ban: string };
  let b: { id: string; ban: string };
  let handmade: string;
  const db = () => r.h.sync.database.db;
  const admin = () => r.tokens.superAdmin;
  const sandbox = () => r.h.sync.sandbox;

  beforeAll(async () => {
    r = await createReconciliationApi((h) => ({
      // As wiring.ts builds it: the read-scoped token only.
      linking: {
        hubspot: {
          companies: createHubspotClient(
            {
              basePath: h.sync.sandbox.url,
              budget: { key: 'test', maxPerWindow: 90 },
              retry: { baseDelayMs: 20, maxDelayMs: 200, timeoutMs: 5_000 },
            },
            { db: h.sync.database.db, logger: createLogger({ level: 'ERROR' }), accessToken: h.sync.sandbox.readToken },
          ).companies,
          hubspotAppId: String(h.sync.sandbox.appId),
        },
      },
      sync: { outboxPublishing: { publisher: h.sync.publisher, topic: h.sync.names.outboxTopic } },
    }));
    await r.h.sync.startWorker();
    a = await createViaApi(r.h.sync, 'Manual Link Alpha');
    b = await createViaApi(r.h.sync, 'Manual Link Beta');
    await waitFor(
      async () =>
        (await customerRow(r.h.sync, a.id)).hubspot_link_status === 'LINKED' &&
        (await customerRow(r.h.sync, b.id)).hubspot_link_status === 'LINKED',
      'both linked',
    );
    handmade = (
      await sandbox().control.seed([{ name: 'Alpha Handmade Holdings', domain: 'alpha-handmade.example', city: 'Austin', country: 'US' }])
    )[0]!;
    await outboxSettled(r.h.sync);
  });
  afterAll(() => r?.close());

  it('refuses a user without the sync permission (403) and bad input, naming the field (400)', async () => {
    for (const [method, path, body] of [
      ['POST', `/v1/customers/${a.id}/sync/link`, { companyId: handmade }],
      ['DELETE', `/v1/customers/${a.id}/sync/link`, undefined],
      ['GET', `/v1/customers/${a.id}/sync/candidates?q=alpha`, undefined],
    ] as const) {
      const res = await call(r.api, method, path, { body, token: r.tokens.customerAdmin });
      expect(res.status, path).toBe(403);
    }
    const cases: Array<[string, string, unknown, string]> = [
      ['POST', `/v1/customers/${a.id}/sync/link`, { companyId: 'abc' }, 'companyId'],
      ['POST', `/v1/customers/${a.id}/sync/link`, {}, 'companyId'],
      ['GET', `/v1/customers/${a.id}/sync/candidates?q=a`, undefined, 'q'],
      ['GET', `/v1/customers/not-a-uuid/sync/candidates?q=alpha`, undefined, 'id'],
    ];
    for (const [method, path, body, field] of cases) {
      const res = await call(r.api, method as 'POST', path, { body, token: admin() });
      expect(res.status, path).toBe(400);
      expect(res.body.error.details.issues.map((i: { path: string }) => i.path)).toContain(field);
    }
    const missing = await call(r.api, 'POST', `/v1/customers/${b.id}/sync/link`, { body: { companyId: '999999999' }, token: admin() });
    expect(missing.status).toBe(404);
    expect(missing.body.error.details).toMatchObject({ field: 'companyId' });
  });

  it('finds candidates by HubSpot text search, naming the customer that holds each linked one', async () => {
    const res = await call(r.api, 'GET', `/v1/customers/${b.id}/sync/candidates?q=alpha`, { token: admin() });
    expect(res.status).toBe(200);
    const items = res.body.data.items as Array<{ companyId: string; linkedCustomerId: string | null; name: string }>;
    const linkedA = (await customerRow(r.h.sync, a.id)).hubspot_company_id;
    expect(items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          companyId: handmade,
          name: 'Alpha Handmade Holdings',
          linkedCustomerId: null,
          domain: 'alpha-handmade.example',
        }),
        expect.objectContaining({ companyId: linkedA, linkedCustomerId: a.id }),
      ]),
    );
  });

  it("refuses another customer's company with 409 COMPANY_ALREADY_LINKED naming that customer", async () => {
    const linkedA = (await customerRow(r.h.sync, a.id)).hubspot_company_id!;
    const res = await call(r.api, 'POST', `/v1/customers/${b.id}/sync/link`, { body: { companyId: linkedA }, token: admin() });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'COMPANY_ALREADY_LINKED', details: { companyId: linkedA, linkedCustomerId: a.id } });
    expect((await customerRow(r.h.sync, b.id)).hubspot_link_status).toBe('LINKED');
  });

  it('unlinks: warp_ban is cleared on the company, which stays, and the customer is not synced nor given a new company', async () => {
    const oldCompany = (await customerRow(r.h.sync, a.id)).hubspot_company_id!;
    const res = await call(r.api, 'DELETE', `/v1/customers/${a.id}/sync/link`, { token: admin() });
    expect(res.status).toBe(202);
    expect(res.body.data).toMatchObject({ customerId: a.id, companyId: oldCompany });
    await waitFor(async () => (await customerRow(r.h.sync, a.id)).hubspot_company_id === null, 'the unlink carried to HubSpot');
    const company = await sandbox().control.company(oldCompany);
    expect(company.properties.warp_ban ?? '').toBe('');
    expect((await customerRow(r.h.sync, a.id)).hubspot_link_status).toBe('DETACHED');
    const logged = await db()
      .selectFrom('hubspot_sync_log')
      .select(['operation', 'status'])
      .where('customer_id', '=', a.id)
      .where('operation', 'in', ['UNLINK_COMPANY', 'CLEAR_WARP_BAN'])
      .orderBy('id')
      .execute();
    expect(logged).toEqual([
      { operation: 'UNLINK_COMPANY', status: 'SUCCESS' },
      { operation: 'CLEAR_WARP_BAN', status: 'SUCCESS' },
    ]);

    // A later edit is not synced: no company is created for the detached customer.
    await r.h.sync.customers.update(ADMIN, a.id, { company_name: 'Manual Link Alpha Renamed' });
    await waitFor(
      async () =>
        (await db()
          .selectFrom('hubspot_sync_log')
          .select('id')
          .where('customer_id', '=', a.id)
          .where('error_code', '=', 'UNLINKED_BY_HAND')
          .executeTakeFirst()) !== undefined,
      'the skipped sync',
    );
    await sandbox().control.configure({ tenSecondLimit: 10_000 });
    expect((await sandboxCompaniesByBan(r.h.sync)).get(a.ban)).toBeUndefined();

    const again = await call(r.api, 'DELETE', `/v1/customers/${a.id}/sync/link`, { token: admin() });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('CONFLICT');
  });

  it('links to the company sales made: bases where the two sides agree, the differences reported, warp_ban stamped', async () => {
    const res = await call(r.api, 'POST', `/v1/customers/${a.id}/sync/link`, { body: { companyId: handmade }, token: admin() });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ customerId: a.id, companyId: handmade, previousCompanyId: null });
    expect(res.body.data.differences).toEqual(
      expect.arrayContaining([expect.objectContaining({ warpField: 'company_name', hubspotValue: 'Alpha Handmade Holdings' })]),
    );
    await waitFor(
      async () => (await sandbox().control.company(handmade)).properties.warp_ban === a.ban,
      'warp_ban stamped on the chosen company',
    );
    await outboxSettled(r.h.sync);
    expect(await customerRow(r.h.sync, a.id)).toMatchObject({ hubspot_company_id: handmade, hubspot_link_status: 'LINKED' });
    const link = await db()
      .selectFrom('hubspot_sync_log')
      .select('fields')
      .where('customer_id', '=', a.id)
      .where('operation', '=', 'LINK_COMPANY')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(link.fields).toMatchObject({ rule: 'MANUAL', by: SEED_USERS.superAdmin.userId });
  });

  it('answers 503 where no HubSpot token is configured', async () => {
    const bare = await createReconciliationApi();
    try {
      const res = await call(bare.api, 'GET', `/v1/customers/${a.id}/sync/candidates?q=alpha`, { token: bare.tokens.superAdmin });
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('SERVICE_UNAVAILABLE');
    } finally {
      await bare.close();
    }
  });
});

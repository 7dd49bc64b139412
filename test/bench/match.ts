/**
 * Onboarding a hand-filled portal: 10,000 WARP customers matched against 10,000 sandbox
 * companies, a dry run and then a real run, as the reconcile worker runs them. Reports the
 * HubSpot calls of matching against the floor of paging every company once (100 per call), the
 * calls applying spent (one history read per 50 links), wall times, and how the proposals compare
 * with the outcome the portal generator knows for each customer.
 *
 *   npm run bench -- match
 */
import { startSandbox } from '../../dev/hubspot-sandbox/sandbox.js';
import { createDb, type Db } from '../../shared/db/database.js';
import { ensureCompanyProperties } from '../../shared/hubspot/ensure-properties.js';
import { createCallCounter, createHubspotClient } from '../../shared/hubspot/client/index.js';
import { Client } from '@hubspot/api-client';
import { createLogger } from '../../shared/logging/logger.js';
import { runMatch, type MatchRunDeps } from '../../shared/matching/match-run.js';
import { seedOnboarding } from '../integration/matching/match-support.js';
import { benchDatabase, round, stopAll, type Stops } from './bench-support.js';

const SIZE = 10_000;
const LIST_PAGE = 100;

export async function benchMatch(): Promise<object> {
  const stops: Stops = [];
  try {
    const db = createDb({ connectionString: await benchDatabase(stops, 'match'), maxConnections: 4 });
    stops.push(() => db.destroy());
    const sandbox = await startSandbox({ port: 0 });
    stops.push(() => sandbox.close());
    const log = createLogger({ level: 'WARNING' });
    await ensureCompanyProperties(new Client({ accessToken: sandbox.token, basePath: sandbox.url }), log);
    const seeded = await seedOnboarding(db, sandbox, SIZE);

    const calls = createCallCounter();
    const hubspot = createHubspotClient(
      { basePath: sandbox.url, budget: { key: 'bench-match' }, retry: {} },
      { db, logger: log, accessToken: sandbox.token, onCall: calls.onCall },
    );
    const deps: MatchRunDeps = {
      db,
      companies: hubspot.companies,
      hubspotCalls: () => calls.total,
      // The links' RESYNCs are not pushed: that is the field-sync bench's business.
      outbox: { db, publisher: { publish: async () => 'not-published', close: async () => undefined }, topic: 'unused' },
      log,
    };

    const dry = await timedRun(deps, { match: true, dryRun: true, minConfidence: 0.8 }, 'bench-dry');
    const accuracy = await compare(db, dry.runId, seeded.expected);
    const real = await timedRun(deps, { match: true, dryRun: false, minConfidence: 0.8 }, 'bench-real');
    const linked = await db
      .selectFrom('customers')
      .select(['id', 'hubspot_company_id'])
      .where('hubspot_link_status', '=', 'LINKED')
      .execute();
    const floorCalls = Math.ceil(SIZE / LIST_PAGE);
    return {
      customers: SIZE,
      companies: SIZE,
      floorCalls,
      dryRun: { hubspotCalls: dry.calls, ratioToFloor: round(dry.calls / floorCalls, 3), seconds: dry.seconds, ...accuracy },
      realRun: {
        hubspotCalls: real.calls,
        listCalls: floorCalls,
        applyCalls: real.calls - floorCalls,
        linked: linked.length,
        wrongLinks: linked.filter((c) => seeded.expected.get(c.id) !== c.hubspot_company_id).length,
        seconds: real.seconds,
      },
    };
  } finally {
    await stopAll(stops);
  }
}

async function timedRun(deps: MatchRunDeps, message: Parameters<typeof runMatch>[1], messageId: string) {
  const before = deps.hubspotCalls();
  const startedAt = performance.now();
  const outcome = await runMatch(deps, message, messageId);
  return { runId: outcome.runId, calls: deps.hubspotCalls() - before, seconds: round((performance.now() - startedAt) / 1000, 1) };
}

/** Proposals against the generator's answers: a LINK is right only when it names the expected company. */
async function compare(db: Db, runId: string, expected: Map<string, string | null>) {
  const rows = await db
    .selectFrom('hubspot_match_proposals')
    .select(['customer_id', 'decision', 'company_id', 'status'])
    .where('run_id', '=', runId)
    .execute();
  let rightLinks = 0;
  let wrongLinks = 0;
  let missedLinks = 0;
  for (const r of rows) {
    const want = expected.get(r.customer_id) ?? null;
    if (r.decision === 'LINK') {
      if (r.company_id === want) rightLinks++;
      else wrongLinks++;
    } else if (want !== null) missedLinks++;
  }
  return { proposals: rows.length, rightLinks, wrongLinks, missedLinks, ambiguous: rows.filter((r) => r.status === 'AMBIGUOUS').length };
}

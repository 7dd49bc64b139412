import { sql } from 'kysely';
import { inTransaction, type Tx } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import { loadEffectiveMappings } from '../sync-store/mapping-repository.js';
import { HUBSPOT_LIMITS } from '../hubspot/client/api-client-companies.js';
import type { Logger } from '../logging/logger.js';
import { readCompanies } from '../reconciliation/dry-run.js';
import { publishOutboxGroup } from '../outbox/publish-outbox-row.js';
import { systemClock } from '../runtime/clock.js';
import type { HubspotSide } from '../sync/plan-customer.js';
import { linkCompany } from './link-company.js';
import type { MatchRule } from './match.js';
import type { MatchRunDeps } from './match-run.js';
import { recordMatchProgress, type MatchRun } from './match-run-repository.js';
import type { MatchCursor } from './match-run-request.js';

/** One batch read with history per chunk: the companies are re-read just before they are linked. */
const APPLY_CHUNK = HUBSPOT_LIMITS.batchReadWithHistory;

interface PendingLink {
  id: string;
  customerId: string;
  companyId: string;
  rule: MatchRule;
  ban: string;
}

type LinkOutcome = { linked: true; outboxId: string | null; differences: unknown[] } | { linked: false; error: string };

/**
 * Links the next chunk of chosen proposals. Each company is read from HubSpot first (every
 * mapped property, with history), so a report reviewed days ago links what HubSpot holds now and
 * the bases agree with it; a company deleted since, or stamped with another customer's BAN, is
 * not linked. The links, their outcomes and the cursor commit together; each link's RESYNC
 * (which stamps `warp_ban` on the company) goes out after commit, the chunk's in one message, else the
 * outbox relay sends them.
 */
export async function applyChunk(
  deps: MatchRunDeps,
  run: MatchRun,
  cursor: MatchCursor,
  spentCalls: () => number,
  log: Logger,
): Promise<MatchCursor> {
  const pending = await pendingLinks(deps, run.id, cursor.after);
  if (pending.length === 0) {
    const done: MatchCursor = { pass: 'DONE', after: null };
    await recordMatchProgress(deps.db, run.id, {}, done);
    return done;
  }
  const mappings = await loadEffectiveMappings(
    deps.db,
    pending.map((p) => p.customerId),
  );
  const properties = new Set(['warp_ban']);
  for (const effective of mappings.values()) if (effective.ok) for (const m of effective.mappings) properties.add(m.hubspotProperty);
  const companies = await readCompanies(
    deps,
    pending.map((p) => p.companyId),
    [...properties],
  );
  const next: MatchCursor = { pass: 'APPLY', after: pending.at(-1)!.id };
  const actor = run.appliedBy ?? run.startedBy ?? `match-run:${run.id}`;
  const now = (deps.now ?? systemClock)();

  const outboxIds = await inTransaction(deps.db, async (tx) => {
    const ids: string[] = [];
    let linked = 0;
    // In customer order, as the sync takes its customer locks: no deadlock with a worker.
    for (const link of [...pending].sort((a, b) => (a.customerId < b.customerId ? -1 : 1))) {
      const outcome = await linkOne(tx, link, companies.get(link.companyId), { actor, now, runId: run.id });
      if (outcome.linked) {
        linked++;
        if (outcome.outboxId) ids.push(outcome.outboxId);
      }
      await tx
        .updateTable('hubspot_match_proposals')
        .set({
          apply_status: outcome.linked ? 'LINKED' : 'FAILED',
          apply_error: outcome.linked ? null : outcome.error,
          differences: outcome.linked ? JSON.stringify(outcome.differences) : null,
          applied_at: now,
        })
        .where('id', '=', link.id)
        .execute();
    }
    await recordMatchProgress(tx, run.id, { linked, errors: pending.length - linked, hubspotCalls: spentCalls() }, next);
    return ids;
  });

  // One message for the chunk's resyncs: one worker claims them in one batch.
  await publishOutboxGroup(deps.outbox, outboxIds).catch((err: unknown) =>
    log.warn('match run could not publish its link resyncs; the outbox relay will send them', { failed: outboxIds.length, err }),
  );
  return next;
}

async function pendingLinks(deps: MatchRunDeps, runId: string, after: string | null): Promise<PendingLink[]> {
  const rows = await deps.db
    .selectFrom('hubspot_match_proposals as p')
    .innerJoin('customers as c', 'c.id', 'p.customer_id')
    .select(['p.id', 'p.customer_id', 'p.company_id', 'p.rule', 'c.ban'])
    .where('p.run_id', '=', runId)
    .where('p.apply_status', '=', 'PENDING')
    .$if(after !== null, (q) => q.where('p.id', '>', after!))
    .orderBy('p.id')
    .limit(APPLY_CHUNK)
    .execute();
  // A LINK decision always names its company and rule (match-run.ts writes them together).
  return rows.map((r) => ({ id: r.id, customerId: r.customer_id, companyId: r.company_id!, rule: r.rule as MatchRule, ban: r.ban }));
}

/** One link in a savepoint: a refusal (another customer's company, a customer linked since) undoes only it. */
async function linkOne(
  tx: Tx,
  link: PendingLink,
  company: HubspotSide | undefined,
  by: { actor: string; now: Date; runId: string },
): Promise<LinkOutcome> {
  if (!company) return { linked: false, error: `COMPANY_NOT_FOUND: HubSpot no longer has company ${link.companyId}` };
  const stamped = company.properties.warp_ban;
  if (stamped && stamped.trim() !== link.ban.trim())
    return { linked: false, error: `COMPANY_HAS_OTHER_BAN: company ${link.companyId} carries warp_ban ${stamped}` };
  await sql`SAVEPOINT match_link`.execute(tx);
  try {
    const result = await linkCompany(tx, {
      customerId: link.customerId,
      company: { id: link.companyId, properties: company.properties, changedAt: company.changedAt },
      rule: link.rule,
      actor: by.actor,
      now: by.now,
      matchRunId: by.runId,
    });
    await sql`RELEASE SAVEPOINT match_link`.execute(tx);
    return { linked: true, outboxId: result.outboxId, differences: result.differences };
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    await sql`ROLLBACK TO SAVEPOINT match_link`.execute(tx);
    return { linked: false, error: `${err.code}: ${err.message}` };
  }
}

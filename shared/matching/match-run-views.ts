import type { Selectable } from 'kysely';
import { z } from 'zod';
import type { DbOrTx } from '../db/database.js';
import type { HubspotMatchProposalsTable, HubspotMatchRunsTable } from '../db/tables/hubspot-matching.js';
import { AppError } from '../errors/app-error.js';
import { bigIdSchema, idCursor, isoDate, limitParam, pageById, pageSchema } from '../sync-ops/paging.js';
import { MATCH_RULES } from './match.js';
import { parseMatchCursor } from './match-run-request.js';
import { RUN_STATUSES, type RunListQuery } from '../reconciliation/run-views.js';
import { customerIdSchema } from '../customers/query-schemas.js';

const DECISIONS = ['LINK', 'BELOW_MIN_CONFIDENCE', 'AMBIGUOUS', 'NO_MATCH'] as const;
const APPLY_STATUSES = ['PENDING', 'LINKED', 'FAILED'] as const;

export const matchReportQuerySchema = z.strictObject({
  decision: z.enum(DECISIONS).optional(),
  rule: z.enum(MATCH_RULES).optional(),
  applyStatus: z.enum(APPLY_STATUSES).optional(),
  customerId: customerIdSchema.optional(),
  limit: limitParam(100, 500),
  cursor: idCursor.optional(),
});
export type MatchReportQuery = z.output<typeof matchReportQuerySchema>;

const decisionCounts = z.object(
  Object.fromEntries(DECISIONS.map((d) => [d, z.number().int()])) as Record<(typeof DECISIONS)[number], z.ZodNumber>,
);

export const matchRunViewSchema = z.object({
  id: bigIdSchema,
  status: z.enum(RUN_STATUSES),
  dryRun: z.boolean(),
  minConfidence: z.number(),
  /** LIST (reading HubSpot), MATCH, APPLY (linking), DONE. */
  pass: z.enum(['LIST', 'MATCH', 'APPLY', 'DONE']),
  /** The API caller's user id; null for a Pub/Sub request. */
  startedBy: z.string().nullable(),
  /** Who applied a reviewed dry run's report. */
  appliedBy: z.string().nullable(),
  startedAt: isoDate,
  finishedAt: isoDate.nullable(),
  counts: z.object({
    /** Unlinked customers matched; known once the report is written. */
    customers: z.number().int().nullable(),
    companiesListed: z.number().int(),
    linked: z.number().int(),
    hubspotCalls: z.number().int(),
    errors: z.number().int(),
  }),
  /** Proposals per decision in the report. */
  decisions: decisionCounts,
  error: z.string().nullable(),
});
export type MatchRunView = z.output<typeof matchRunViewSchema>;
export const matchRunPageSchema = pageSchema(matchRunViewSchema);

const candidateSchema = z.object({ companyId: z.string(), rule: z.enum(MATCH_RULES), confidence: z.number() });

export const proposalViewSchema = z.object({
  id: bigIdSchema,
  customerId: z.string(),
  /** MATCHED: one best company; AMBIGUOUS: never linked automatically; NONE: no candidate. */
  status: z.enum(['MATCHED', 'AMBIGUOUS', 'NONE']),
  decision: z.enum(DECISIONS),
  /** The proposed company (MATCHED only). */
  companyId: z.string().nullable(),
  /** The rule of the best candidate. */
  rule: z.enum(MATCH_RULES).nullable(),
  confidence: z.number().nullable(),
  /** EQUAL_CANDIDATES, or COMPANY_CONTESTED with the rival customers in contestedWith. */
  ambiguity: z.enum(['EQUAL_CANDIDATES', 'COMPANY_CONTESTED']).nullable(),
  contestedWith: z.array(z.string()),
  /** Every company that matched by some rule, best first. */
  candidates: z.array(candidateSchema),
  /** Once chosen for a link: PENDING, then LINKED (with the fields both sides disagreed on) or FAILED with why. */
  apply: z
    .object({
      status: z.enum(APPLY_STATUSES),
      error: z.string().nullable(),
      differences: z.array(z.record(z.string(), z.unknown())).nullable(),
      appliedAt: isoDate.nullable(),
    })
    .nullable(),
});
export const proposalPageSchema = pageSchema(proposalViewSchema);
export const matchRunReportSchema = matchRunViewSchema.extend({ report: proposalPageSchema });

export async function getMatchRun(db: DbOrTx, id: string): Promise<MatchRunView> {
  const row = await db.selectFrom('hubspot_match_runs').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', 'No such match run', { id });
  return runView(row, await decisionsOf(db, [id]));
}

/** Newest first, keyset on id. */
export async function listMatchRuns(db: DbOrTx, query: RunListQuery): Promise<z.output<typeof matchRunPageSchema>> {
  const runs = db.selectFrom('hubspot_match_runs').selectAll();
  const page = await pageById(
    runs.$if(query.status !== undefined, (q) => q.where('status', '=', query.status!)),
    query,
    'desc',
  );
  const decisions = await decisionsOf(
    db,
    page.rows.map((r) => r.id),
  );
  return { items: page.rows.map((r) => runView(r, decisions)), nextCursor: page.nextCursor };
}

/** The report of a run (which the caller found), customer by customer in the order it was written, keyset on id. */
export async function listProposals(db: DbOrTx, runId: string, query: MatchReportQuery): Promise<z.output<typeof proposalPageSchema>> {
  const page = await pageById(
    db
      .selectFrom('hubspot_match_proposals')
      .selectAll()
      .where('run_id', '=', runId)
      .$if(query.decision !== undefined, (q) => q.where('decision', '=', query.decision!))
      .$if(query.rule !== undefined, (q) => q.where('rule', '=', query.rule!))
      .$if(query.applyStatus !== undefined, (q) => q.where('apply_status', '=', query.applyStatus!))
      .$if(query.customerId !== undefined, (q) => q.where('customer_id', '=', query.customerId!)),
    query,
    'asc',
  );
  return { items: page.rows.map(proposalView), nextCursor: page.nextCursor };
}

type Decisions = Map<string, z.output<typeof decisionCounts>>;

async function decisionsOf(db: DbOrTx, runIds: readonly string[]): Promise<Decisions> {
  const counts: Decisions = new Map(
    runIds.map((id) => [id, Object.fromEntries(DECISIONS.map((d) => [d, 0])) as z.output<typeof decisionCounts>]),
  );
  if (runIds.length === 0) return counts;
  const rows = await db
    .selectFrom('hubspot_match_proposals')
    .select(['run_id', 'decision', (eb) => eb.fn.countAll<string>().as('n')])
    .where('run_id', 'in', runIds)
    .groupBy(['run_id', 'decision'])
    .execute();
  for (const r of rows) counts.get(r.run_id)![r.decision] = Number(r.n);
  return counts;
}

function runView(row: Selectable<HubspotMatchRunsTable>, decisions: Decisions): MatchRunView {
  return {
    id: row.id,
    status: row.status,
    dryRun: row.dry_run,
    minConfidence: Number(row.min_confidence),
    pass: parseMatchCursor(row.cursor).pass,
    startedBy: row.started_by,
    appliedBy: row.applied_by,
    startedAt: row.started_at.toISOString(),
    finishedAt: row.finished_at?.toISOString() ?? null,
    counts: {
      customers: row.customers_total,
      companiesListed: row.companies_listed,
      linked: row.linked,
      hubspotCalls: row.hubspot_calls,
      errors: row.errors,
    },
    decisions: decisions.get(row.id)!,
    error: row.error,
  };
}

function proposalView(row: Selectable<HubspotMatchProposalsTable>): z.output<typeof proposalViewSchema> {
  return proposalViewSchema.parse({
    id: row.id,
    customerId: row.customer_id,
    status: row.status,
    decision: row.decision,
    companyId: row.company_id,
    rule: row.rule,
    confidence: row.confidence === null ? null : Number(row.confidence),
    ambiguity: row.ambiguity,
    contestedWith: row.contested_with,
    candidates: row.candidates,
    apply:
      row.apply_status === null
        ? null
        : {
            status: row.apply_status,
            error: row.apply_error,
            differences: row.differences,
            appliedAt: row.applied_at?.toISOString() ?? null,
          },
  });
}

import type { HubspotLinkStatus } from '../db/tables/customers.js';
import { sql, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { Database, DbOrTx } from '../db/database.js';
import type { CustomersTable } from '../db/tables/customers.js';

/** A customer a run looked at: whether it may be resynced, and whether work is already queued. */
export interface ResyncCandidate {
  id: string;
  linkStatus: HubspotLinkStatus;
  /**
   * A PENDING or PARKED outbox row, or one PROCESSING within its lease, will plan the whole
   * customer anyway. A claim past its lease is stranded (its worker died or lost its connection):
   * the RESYNC enqueued for it is claimed together with it, so it runs again.
   */
  hasOpenWork: boolean;
}

/** Claims older than this are stranded, not work in progress. */
export interface OpenWorkRule {
  leaseCutoff: Date;
}

type CustomerScope = ExpressionBuilder<Database & { c: CustomersTable }, 'c'>;

const candidateColumns = (rule: OpenWorkRule) => (eb: CustomerScope) =>
  [
    'c.id',
    'c.hubspot_link_status',
    eb
      .exists(
        eb
          .selectFrom('hubspot_sync_queue as q')
          .select(sql`1`.as('one'))
          .whereRef('q.customer_id', '=', 'c.id')
          .where((q) =>
            q.or([
              q('q.status', 'in', ['PENDING', 'PARKED']),
              q.and([q('q.status', '=', 'PROCESSING'), q('q.claimed_at', '>=', rule.leaseCutoff)]),
            ]),
          ),
      )
      .as('open'),
  ] as const;

/**
 * What the WARP side may have missed since `since`: a customer change whose outbox row was lost,
 * a customer still without a company, an outbox row that failed for good (not PARKED: those
 * resume by themselves) or whose claim is stranded past its lease.
 */
function warpSideMayHaveMissed(eb: CustomerScope, since: Date, rule: OpenWorkRule) {
  const row = eb.selectFrom('hubspot_sync_queue as f').select(sql`1`.as('one')).whereRef('f.customer_id', '=', 'c.id');
  return eb.or([
    eb('c.updated_at', '>=', since),
    eb('c.hubspot_link_status', '=', 'UNLINKED'),
    eb.exists(row.where('f.status', '=', 'FAILED').where('f.processed_at', '>=', since)),
    eb.exists(row.where('f.status', '=', 'PROCESSING').where('f.claimed_at', '<', rule.leaseCutoff)),
  ]);
}

/** Which customers a WARP pass takes: since = null takes every one; `ids` only those listed. */
export interface WarpPassScope {
  since: Date | null;
  ids?: readonly string[];
}

function inWarpPass(db: DbOrTx, rule: OpenWorkRule, scope: WarpPassScope) {
  return db
    .selectFrom('customers as c')
    .$if(scope.ids !== undefined, (qb) => qb.where('c.id', 'in', [...scope.ids!]))
    .$if(scope.since !== null, (qb) => qb.where((eb) => warpSideMayHaveMissed(eb, scope.since!, rule)));
}

/** The next chunk of the WARP pass, in id order. */
export async function warpPassChunk(
  db: DbOrTx,
  rule: OpenWorkRule,
  options: WarpPassScope & { after: string | null; limit: number },
): Promise<ResyncCandidate[]> {
  const rows = await inWarpPass(db, rule, options)
    .select(candidateColumns(rule))
    .$if(options.after !== null, (qb) => qb.where('c.id', '>', options.after!))
    .orderBy('c.id')
    .limit(options.limit)
    .execute();
  return rows.map(toCandidate);
}

/** How many customers a WARP pass will take: the run's progress is measured against it. */
export async function countWarpPass(db: DbOrTx, rule: OpenWorkRule, scope: WarpPassScope): Promise<number> {
  const { count } = await inWarpPass(db, rule, scope)
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .executeTakeFirstOrThrow();
  return Number(count);
}

/**
 * The customers linked to HubSpot companies modified since `since`, except those the WARP pass
 * already took (so a run counts and enqueues each customer once, without remembering whom).
 */
export async function customersOfCompanies(db: DbOrTx, rule: OpenWorkRule, companyIds: readonly string[], since: Date): Promise<ResyncCandidate[]> {
  if (companyIds.length === 0) return [];
  const rows = await db
    .selectFrom('customers as c')
    .select(candidateColumns(rule))
    .where('c.hubspot_company_id', 'in', [...companyIds])
    .where((eb) => eb.not(warpSideMayHaveMissed(eb, since, rule)))
    .orderBy('c.id')
    .execute();
  return rows.map(toCandidate);
}

export async function oneCustomer(db: DbOrTx, rule: OpenWorkRule, customerId: string): Promise<ResyncCandidate[]> {
  const rows = await db.selectFrom('customers as c').select(candidateColumns(rule)).where('c.id', '=', customerId).execute();
  return rows.map(toCandidate);
}

/** Customers whose linked company was deleted in HubSpot: a person must relink or close them. */
export async function deletedLinks(db: DbOrTx, sampleSize: number, customerId?: string): Promise<{ count: number; sample: string[] }> {
  const base = db
    .selectFrom('customers')
    .where('hubspot_link_status', '=', 'DELETED')
    .$if(customerId !== undefined, (qb) => qb.where('id', '=', customerId!));
  const [{ count }, sample] = await Promise.all([
    base.select((eb) => eb.fn.countAll<string>().as('count')).executeTakeFirstOrThrow(),
    base.select('id').orderBy('id').limit(sampleSize).execute(),
  ]);
  return { count: Number(count), sample: sample.map((r) => r.id) };
}

function toCandidate(row: { id: string; hubspot_link_status: ResyncCandidate['linkStatus']; open: SqlBool }): ResyncCandidate {
  return { id: row.id, linkStatus: row.hubspot_link_status, hasOpenWork: Boolean(row.open) };
}

import { sql, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { Database, DbOrTx } from '../db/database.js';
import type { CustomersTable } from '../db/tables/customers.js';

/** A customer a run looked at: whether it may be resynced, and whether work is already queued. */
export interface ResyncCandidate {
  id: string;
  linkStatus: 'UNLINKED' | 'LINKED' | 'DELETED';
  /** A PENDING, PROCESSING or PARKED outbox row will plan the whole customer anyway. */
  hasOpenWork: boolean;
}

type CustomerScope = ExpressionBuilder<Database & { c: CustomersTable }, 'c'>;

const OPEN_STATUSES = ['PENDING', 'PROCESSING', 'PARKED'] as const;

function candidateColumns(eb: CustomerScope) {
  return [
    'c.id',
    'c.hubspot_link_status',
    eb
      .exists(eb.selectFrom('hubspot_sync_queue as q').select(sql`1`.as('one')).whereRef('q.customer_id', '=', 'c.id').where('q.status', 'in', OPEN_STATUSES))
      .as('open'),
  ] as const;
}

/**
 * What the WARP side may have missed since `since`: a customer change whose outbox row was lost,
 * a customer still without a company, an outbox row that failed for good (not PARKED: those
 * resume by themselves).
 */
function warpSideMayHaveMissed(eb: CustomerScope, since: Date) {
  return eb.or([
    eb('c.updated_at', '>=', since),
    eb('c.hubspot_link_status', '=', 'UNLINKED'),
    eb.exists(
      eb
        .selectFrom('hubspot_sync_queue as f')
        .select(sql`1`.as('one'))
        .whereRef('f.customer_id', '=', 'c.id')
        .where('f.status', '=', 'FAILED')
        .where('f.processed_at', '>=', since),
    ),
  ]);
}

/** The next chunk of the WARP pass, in id order; since = null takes every customer. */
export async function warpPassChunk(db: DbOrTx, options: { since: Date | null; after: string | null; limit: number }): Promise<ResyncCandidate[]> {
  const rows = await db
    .selectFrom('customers as c')
    .select(candidateColumns)
    .$if(options.after !== null, (qb) => qb.where('c.id', '>', options.after!))
    .$if(options.since !== null, (qb) => qb.where((eb) => warpSideMayHaveMissed(eb, options.since!)))
    .orderBy('c.id')
    .limit(options.limit)
    .execute();
  return rows.map(toCandidate);
}

/**
 * The customers linked to HubSpot companies modified since `since`, except those the WARP pass
 * already took (so a run counts and enqueues each customer once, without remembering whom).
 */
export async function customersOfCompanies(db: DbOrTx, companyIds: readonly string[], since: Date): Promise<ResyncCandidate[]> {
  if (companyIds.length === 0) return [];
  const rows = await db
    .selectFrom('customers as c')
    .select(candidateColumns)
    .where('c.hubspot_company_id', 'in', [...companyIds])
    .where((eb) => eb.not(warpSideMayHaveMissed(eb, since)))
    .orderBy('c.id')
    .execute();
  return rows.map(toCandidate);
}

export async function oneCustomer(db: DbOrTx, customerId: string): Promise<ResyncCandidate[]> {
  const rows = await db.selectFrom('customers as c').select(candidateColumns).where('c.id', '=', customerId).execute();
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

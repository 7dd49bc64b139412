import type { HubspotLinkStatus } from '../db/tables/customers.js';
import { sql, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { Database, DbOrTx } from '../db/database.js';
import type { CustomersTable } from '../db/tables/customers.js';
import type { SyncCustomer } from '../sync-store/sync-customer-repository.js';
import { companyIdNotDecimal, companyIdWithin } from './company-id-order.js';

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
  /** Compared with its HubSpot company and found in sync: nothing to queue. */
  inSync?: boolean;
}

/** A customer a page of HubSpot companies concerns, with the row it is compared from. */
export interface CustomerOfPage {
  candidate: ResyncCandidate;
  customer: SyncCustomer;
}

/** Claims older than this are stranded, not work in progress. */
export interface OpenWorkRule {
  leaseCutoff: Date;
}

type CustomerScope = ExpressionBuilder<Database & { c: CustomersTable }, 'c'>;

const queueRowsOf = (eb: CustomerScope) =>
  eb
    .selectFrom('hubspot_sync_queue as f')
    .select(sql`1`.as('one'))
    .whereRef('f.customer_id', '=', 'c.id');

const openWork = (rule: OpenWorkRule) => (eb: CustomerScope) =>
  eb
    .exists(
      queueRowsOf(eb).where((q) =>
        q.or([
          q('f.status', 'in', ['PENDING', 'PARKED']),
          q.and([q('f.status', '=', 'PROCESSING'), q('f.claimed_at', '>=', rule.leaseCutoff)]),
        ]),
      ),
    )
    .as('open');

const candidateColumns = (rule: OpenWorkRule) => (eb: CustomerScope) => ['c.id', 'c.hubspot_link_status', openWork(rule)(eb)] as const;

/**
 * The ids of customers no page of HubSpot companies can show: still without a company, or with a
 * claim stranded past its lease (only a RESYNC claimed with it moves it on). A set read through
 * indexes (sql/0016), never a test of every customer.
 */
function customersBeyondHubspotPages(db: DbOrTx, rule: OpenWorkRule) {
  return db
    .selectFrom('customers as u')
    .select('u.id')
    .where('u.hubspot_link_status', '=', 'UNLINKED')
    .union(
      db
        .selectFrom('hubspot_sync_queue as s')
        .select('s.customer_id as id')
        .where('s.status', '=', 'PROCESSING')
        .where('s.claimed_at', '<', rule.leaseCutoff),
    );
}

/**
 * The ids of what the WARP side may have missed since `since`: a customer change whose outbox row
 * was lost, an outbox row that failed for good (not PARKED: those resume by themselves), and every
 * customer beyond HubSpot's pages. A change the sync itself made (HubSpot's value pulled, recorded
 * by an outbox row of origin HUBSPOT at the same instant) was not missed.
 */
function customersWarpSideMayHaveMissed(db: DbOrTx, since: Date, rule: OpenWorkRule) {
  return db
    .selectFrom('customers as m')
    .select('m.id')
    .where('m.updated_at', '>=', since)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('hubspot_sync_queue as p')
            .select(sql`1`.as('one'))
            .whereRef('p.customer_id', '=', 'm.id')
            .where('p.origin', '=', 'HUBSPOT')
            .whereRef('p.changed_at', '=', 'm.updated_at'),
        ),
      ),
    )
    .union(
      db
        .selectFrom('hubspot_sync_queue as x')
        .select('x.customer_id as id')
        .where('x.status', '=', 'FAILED')
        .where('x.processed_at', '>=', since),
    )
    .union(customersBeyondHubspotPages(db, rule));
}

/**
 * Which customers a WARP pass takes: those the WARP side may have missed since `since`, or with
 * since = null every one; beside a listing of every company (`beyondListing`) only those beyond
 * HubSpot's pages. `ids`: only those listed.
 */
export interface WarpPassScope {
  since: Date | null;
  ids?: readonly string[];
  beyondListing?: boolean;
}

function inWarpPass(db: DbOrTx, rule: OpenWorkRule, scope: WarpPassScope) {
  return db
    .selectFrom('customers as c')
    .$if(scope.ids !== undefined, (qb) => qb.where('c.id', 'in', [...scope.ids!]))
    .$if(scope.since !== null, (qb) => qb.where('c.id', 'in', customersWarpSideMayHaveMissed(db, scope.since!, rule)))
    .$if(scope.since === null && scope.beyondListing === true, (qb) => qb.where('c.id', 'in', customersBeyondHubspotPages(db, rule)));
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

/** How many customers a run over every customer beside a listing checks: its WARP pass's and every linked one. */
export async function countListingRun(db: DbOrTx, rule: OpenWorkRule): Promise<number> {
  const { count } = await db
    .selectFrom('customers as c')
    .where((eb) => eb.or([eb('c.hubspot_company_id', 'is not', null), eb('c.id', 'in', customersBeyondHubspotPages(db, rule))]))
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .executeTakeFirstOrThrow();
  return Number(count);
}

/**
 * The customers linked to HubSpot companies modified since `since`, except those the WARP pass
 * already took (so a run counts and enqueues each customer once, without remembering whom).
 */
export async function customersOfCompanies(
  db: DbOrTx,
  rule: OpenWorkRule,
  companyIds: readonly string[],
  since: Date,
): Promise<CustomerOfPage[]> {
  if (companyIds.length === 0) return [];
  const rows = await db
    .selectFrom('customers as c')
    .selectAll('c')
    .select(openWork(rule))
    .where('c.hubspot_company_id', 'in', [...companyIds])
    .where('c.id', 'not in', customersWarpSideMayHaveMissed(db, since, rule))
    .orderBy('c.id')
    .execute();
  return rows.map(toCustomerOfPage);
}

/**
 * Where a page of the listing stands: the companies it shows, and the stretch of ids it passed
 * (after the greatest id listed before it, up to its own greatest; the last page has no end).
 */
export interface ListedStretch {
  companyIds: readonly string[];
  after: string | null;
  upTo: string | null;
  last: boolean;
}

/**
 * The customers a listing page concerns, except those beyond HubSpot's pages (the WARP pass took
 * them): linked to a company it shows, or to an id in its stretch it did not show (a company
 * deleted or merged away, as no later page can show it); the last page also takes the ids no
 * company can have.
 */
export async function customersOfListedStretch(db: DbOrTx, rule: OpenWorkRule, stretch: ListedStretch): Promise<CustomerOfPage[]> {
  const rows = await db
    .selectFrom('customers as c')
    .selectAll('c')
    .select(openWork(rule))
    .where('c.hubspot_company_id', 'is not', null)
    .where((eb) => {
      const shown = stretch.companyIds.length > 0 ? [eb('c.hubspot_company_id', 'in', [...stretch.companyIds])] : [];
      if (stretch.last) return eb.or([...shown, companyIdWithin(eb, stretch.after, null), companyIdNotDecimal()]);
      return stretch.upTo === null ? eb.or(shown) : eb.or([...shown, companyIdWithin(eb, stretch.after, stretch.upTo)]);
    })
    .where('c.id', 'not in', customersBeyondHubspotPages(db, rule))
    .orderBy('c.id')
    .execute();
  return rows.map(toCustomerOfPage);
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

function toCandidate(row: { id: string; hubspot_link_status: HubspotLinkStatus; open: SqlBool }): ResyncCandidate {
  return { id: row.id, linkStatus: row.hubspot_link_status, hasOpenWork: Boolean(row.open) };
}

function toCustomerOfPage({ open, ...customer }: SyncCustomer & { open: SqlBool }): CustomerOfPage {
  return { candidate: toCandidate({ ...customer, open }), customer };
}

import type { DbOrTx } from '../db/database.js';
import type { CompanyRecord } from '../hubspot/client/hubspot-companies.js';
import { compareWithCompanies } from './company-comparison.js';
import { greatestCompanyId } from './company-id-order.js';
import { pagesAhead } from './pages-ahead.js';
import {
  customersOfCompanies,
  customersOfListedStretch,
  type CustomerOfPage,
  type OpenWorkRule,
  type ResyncCandidate,
} from './resync-candidates.js';
import type { RunCursor } from './run-cursor.js';
import type { ReconcileDeps } from './run-reconciliation.js';

/**
 * Search pages fetched ahead: CRM search is paced at 5 per second, five times slower than other
 * calls, so its pages keep coming while the WARP pass runs and the pass never waits for a page
 * it could have had. 20 pages of 200 companies are a few MB.
 */
const SEARCH_PAGES_AHEAD = 20;
/** Listing pages fetched ahead: enough to keep the listing at HubSpot's pace, few enough to bound memory over a whole portal. */
const LISTING_PAGES_AHEAD = 2;

export type CandidateLoad = (db: DbOrTx) => Promise<ResyncCandidate[]>;

/** Handles one chunk of candidates and saves the run's progress with `cursor` in one transaction. */
export type ChunkWork = (
  load: CandidateLoad,
  next: (candidates: ResyncCandidate[]) => RunCursor,
  counts: { hubspotCalls: number; found: boolean },
) => Promise<void>;

/** What a pass over HubSpot's companies works with; `cursor` reads the run's cursor as the chunks move it. */
export interface HubspotPassContext {
  deps: ReconcileDeps;
  rule: OpenWorkRule;
  cursor: () => RunCursor;
  chunk: ChunkWork;
  /** HubSpot calls made since the last time it was asked. */
  spentCalls: () => number;
}

/**
 * HUBSPOT: the companies modified since `since` and before the run's start (RunCursor.until), a
 * search page at a time, and the customers linked to them. A real run compares each with the
 * page's values and resyncs only those that differ; a dry run plans every one of them. Searches
 * are paced far slower than the rest of the run, so the pages are asked for at once, while the
 * passes before this one run; the pass itself runs when the returned function is called.
 */
export function beginSearchPass(ctx: HubspotPassContext, since: Date): () => Promise<void> {
  const { deps } = ctx;
  const opening = ctx.cursor();
  const until = opening.until === undefined ? {} : { modifiedBefore: new Date(opening.until) };
  const request = syncedProperties(deps.db).then((properties) => ({
    modifiedSince: since,
    ...until,
    properties,
    pageSize: deps.options.searchPageSize,
  }));
  const search = async (afterId: string | undefined) =>
    deps.companies.searchCompanies(await request, afterId === undefined ? undefined : { afterId });
  const start = opening.pass === 'HUBSPOT' ? (opening.after ?? undefined) : undefined;
  const pages = pagesAhead(search, (page) => page.next?.afterId, start, SEARCH_PAGES_AHEAD);
  return () =>
    pages((page) =>
      ctx.chunk(
        (db) => candidatesOf(ctx, page.results, (tx, ids) => customersOfCompanies(tx, ctx.rule, ids, since), db),
        () => (page.next ? { ...ctx.cursor(), after: page.next.afterId } : { ...ctx.cursor(), pass: 'DONE', after: null }),
        { hubspotCalls: ctx.spentCalls(), found: true },
      ),
    );
}

/**
 * LISTING: every company once, 100 per call (the cheapest read of a whole portal), compared page
 * by page with the customers linked to them. HubSpot lists in id order, so a customer whose
 * company id the listing passed without showing it has no live company (deleted or merged away):
 * it gets its RESYNC, as do the customers of companies that differ. Were the order ever broken,
 * such a customer would only be resynced once more than needed.
 */
export async function listingPass(ctx: HubspotPassContext): Promise<void> {
  const { deps } = ctx;
  const properties = await syncedProperties(deps.db);
  const list = (after: string | undefined) => deps.companies.listCompanies(properties, after);
  await pagesAhead(
    list,
    (page) => page.after,
    ctx.cursor().after ?? undefined,
    LISTING_PAGES_AHEAD,
  )((page) => {
    const after = ctx.cursor().listedUpTo ?? null;
    const companyIds = page.results.map((c) => c.id);
    const upTo = greatestCompanyId(companyIds, after);
    const stretch = { companyIds, after, upTo, last: page.after === undefined };
    return ctx.chunk(
      (db) => candidatesOf(ctx, page.results, (tx) => customersOfListedStretch(tx, ctx.rule, stretch), db),
      () =>
        page.after
          ? { ...ctx.cursor(), after: page.after, listedUpTo: upTo }
          : { ...ctx.cursor(), pass: 'DONE', after: null, listedUpTo: null },
      { hubspotCalls: ctx.spentCalls(), found: false },
    );
  });
}

async function candidatesOf(
  ctx: HubspotPassContext,
  companies: readonly CompanyRecord[],
  customersOf: (db: DbOrTx, companyIds: string[]) => Promise<CustomerOfPage[]>,
  db: DbOrTx,
): Promise<ResyncCandidate[]> {
  const customers = await customersOf(
    db,
    companies.map((c) => c.id),
  );
  if (ctx.cursor().request.dryRun) return customers.map((c) => c.candidate);
  return compareWithCompanies(db, customers, new Map(companies.map((c) => [c.id, c.properties])));
}

/** Every HubSpot property a mapping names (an override cannot re-point one), and the link's own. */
async function syncedProperties(db: DbOrTx): Promise<string[]> {
  const rows = await db.selectFrom('hubspot_sync_config').select('hubspot_property').distinct().execute();
  return [...new Set(['warp_ban', ...rows.map((r) => r.hubspot_property)])];
}

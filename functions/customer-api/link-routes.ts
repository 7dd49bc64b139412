import type { Principal } from '../../shared/auth/principal.js';
import { permits } from '../../shared/auth/resource-permissions.js';
import { customerIdParams } from '../../shared/customers/query-schemas.js';
import { parseOrThrow } from '../../shared/customers/validation.js';
import type { Db } from '../../shared/db/database.js';
import { AppError } from '../../shared/errors/app-error.js';
import { sendData } from '../../shared/http/envelope.js';
import { readJsonBody } from '../../shared/http/json-body.js';
import type { Route } from '../../shared/http/router.js';
import {
  candidatesQuerySchema,
  candidatesSchema,
  linkBodySchema,
  linkByHand,
  linkResultSchema,
  searchCandidates,
  unlinkByHand,
  unlinkResultSchema,
  type LinkingHubspot,
} from '../../shared/matching/manual-link.js';
import type { ResyncPublishing } from '../../shared/sync-admin/operator-resync.js';
import { customerIdOf, type RouteHandler } from './routes.js';

export interface LinkRouteDeps {
  db: Db;
  /** Read-only HubSpot access; absent (no HUBSPOT_READ_TOKEN), linking and candidates answer 503. */
  hubspot?: LinkingHubspot;
  publishing?: ResyncPublishing;
}

/** Linking decides which HubSpot company sales' data flows into: the global sync permission, not only the customer's. */
const LINKING_PATH = '/api/v1/sync/links';
function requireLinker(principal: Principal): void {
  if (!permits(principal.permissions, LINKING_PATH))
    throw new AppError('FORBIDDEN', 'Linking a customer to a HubSpot company needs the sync operations permission');
}

function hubspotOf(deps: LinkRouteDeps): LinkingHubspot {
  if (!deps.hubspot) throw new AppError('SERVICE_UNAVAILABLE', 'HubSpot is not configured on this instance (HUBSPOT_READ_TOKEN)');
  return deps.hubspot;
}

const LINK_ERRORS = ['VALIDATION_FAILED', 'NOT_FOUND', 'FORBIDDEN', 'COMPANY_ALREADY_LINKED', 'CONFLICT', 'SERVICE_UNAVAILABLE'] as const;

/** Linking a customer to a HubSpot company by hand, and finding the company to link. */
export function linkRoutes(deps: LinkRouteDeps): Route<RouteHandler>[] {
  return [
    {
      method: 'POST',
      pattern: '/customers/:id/sync/link',
      handler: {
        doc: {
          operationId: 'linkCustomerCompany',
          summary: 'Links the customer to a HubSpot company chosen by hand (or relinks it after its company was deleted)',
          description:
            'The company is read from HubSpot first; fields both sides agree on get that value as their base, ' +
            'the others are settled by their rule in the first sync (listed in differences). ' +
            '409 COMPANY_ALREADY_LINKED names the customer that holds the company.',
          tag: 'sync',
          params: customerIdParams,
          body: linkBodySchema,
          responses: { 200: { description: 'Linked; the RESYNC stamps warp_ban on the company', data: linkResultSchema } },
          errors: [...LINK_ERRORS, 'INVALID_JSON'],
        },
        async run(ctx) {
          requireLinker(ctx.principal);
          const id = customerIdOf(ctx);
          const { companyId } = parseOrThrow(linkBodySchema, readJsonBody(ctx.req), 'link request');
          const linked = await linkByHand(
            { db: deps.db, hubspot: hubspotOf(deps), publishing: deps.publishing },
            ctx.principal,
            id,
            companyId,
          );
          sendData(ctx.res, 200, linked);
        },
      },
    },
    {
      method: 'DELETE',
      pattern: '/customers/:id/sync/link',
      handler: {
        doc: {
          operationId: 'unlinkCustomerCompany',
          summary:
            'Unlinks the customer from its HubSpot company: the company stays, its ' +
            'warp_ban is cleared, the customer stops syncing until linked again',
          tag: 'sync',
          params: customerIdParams,
          responses: { 202: { description: 'Unlinked; the RESYNC clears warp_ban on the company', data: unlinkResultSchema } },
          errors: ['VALIDATION_FAILED', 'NOT_FOUND', 'FORBIDDEN', 'CONFLICT'],
        },
        async run(ctx) {
          requireLinker(ctx.principal);
          sendData(ctx.res, 202, await unlinkByHand({ db: deps.db, publishing: deps.publishing }, ctx.principal, customerIdOf(ctx)));
        },
      },
    },
    {
      method: 'GET',
      pattern: '/customers/:id/sync/candidates',
      handler: {
        doc: {
          operationId: 'searchCustomerCompanyCandidates',
          summary: 'Searches HubSpot companies (name, domain, website, phone) for a person choosing the company to link',
          tag: 'sync',
          params: customerIdParams,
          query: candidatesQuerySchema,
          responses: {
            200: { description: 'Matching companies, each with the customer already linked to it, if any', data: candidatesSchema },
          },
          errors: ['VALIDATION_FAILED', 'NOT_FOUND', 'FORBIDDEN', 'SERVICE_UNAVAILABLE'],
        },
        async run(ctx) {
          requireLinker(ctx.principal);
          const id = customerIdOf(ctx);
          const query = parseOrThrow(candidatesQuerySchema, ctx.req.query, 'query');
          sendData(ctx.res, 200, await searchCandidates({ db: deps.db, hubspot: hubspotOf(deps) }, ctx.principal, id, query));
        },
      },
    },
  ];
}

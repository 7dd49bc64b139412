/** /crm/v3/objects/companies: single-object calls, list, search and merge. */
import { validationError } from './hubspot-error.js';
import { queryBool, queryList } from './http-io.js';
import { createInputSchema, mergeSchema, parseBody, searchSchema, updateInputSchema } from './request-schemas.js';
import type { Router } from './router.js';
import { runSearch, SEARCH_LIMITS } from './search.js';
import type { ApiContext } from './api-context.js';
import { companyView, writeView } from './views.js';

export const COMPANIES = '/crm/v3/objects/companies';
const MAX_PAGE = 100;
const MAX_PAGE_WITH_HISTORY = 50;

export function companyRoutes(router: Router<ApiContext>): void {
  router
    .on('GET', COMPANIES, ({ state, query }) => {
      const propertiesWithHistory = queryList(query, 'propertiesWithHistory');
      const max = propertiesWithHistory ? MAX_PAGE_WITH_HISTORY : MAX_PAGE;
      const limit = Number(query.get('limit') ?? 10);
      if (!Number.isInteger(limit) || limit < 1 || limit > max) throw validationError(`limit must be between 1 and ${max}.`);
      const { records: page, next } = state.store.page(queryBool(query, 'archived'), query.get('after') || null, limit);
      const selection = { properties: queryList(query, 'properties'), propertiesWithHistory };
      return {
        status: 200,
        body: {
          results: page.map((r) => companyView(r, selection, state.registry)),
          ...(next ? { paging: { next: { after: next.id, link: `?after=${next.id}` } } } : {}),
        },
      };
    })
    .on('POST', COMPANIES, ({ state, body }) => {
      const input = parseBody(createInputSchema, body);
      const record = state.store.create(input.properties, state.apiActor);
      return { status: 201, body: writeView(record, input.properties, state.registry) };
    })
    .on('POST', `${COMPANIES}/search`, ({ state, body, rawBody }) => {
      if (rawBody.length > SEARCH_LIMITS.bodyChars) {
        throw validationError(`Search request bodies are limited to ${SEARCH_LIMITS.bodyChars} characters.`);
      }
      const request = parseBody(searchSchema, body);
      const outcome = runSearch(state.index, request, state.registry);
      return {
        status: 200,
        body: {
          total: outcome.total,
          results: outcome.page.map((doc) => companyView(doc, { properties: request.properties }, state.registry)),
          ...(outcome.nextAfter ? { paging: { next: { after: outcome.nextAfter, link: `?after=${outcome.nextAfter}` } } } : {}),
        },
      };
    })
    .on('POST', `${COMPANIES}/merge`, ({ state, body }) => {
      const input = parseBody(mergeSchema, body);
      const primary = state.store.merge(input.primaryObjectId, input.objectIdToMerge, state.apiActor);
      return { status: 200, body: companyView(primary, {}, state.registry) };
    })
    .on('GET', `${COMPANIES}/:companyId`, ({ state, query }, { companyId = '' }) => {
      const record = state.store.get(companyId, query.get('idProperty') ?? undefined, queryBool(query, 'archived'));
      const selection = { properties: queryList(query, 'properties'), propertiesWithHistory: queryList(query, 'propertiesWithHistory') };
      return { status: 200, body: companyView(record, selection, state.registry) };
    })
    .on('PATCH', `${COMPANIES}/:companyId`, ({ state, query, body }, { companyId = '' }) => {
      const input = parseBody(updateInputSchema, body);
      const record = state.store.get(companyId, query.get('idProperty') ?? undefined);
      state.store.update(record, input.properties, state.apiActor);
      return { status: 200, body: writeView(record, input.properties, state.registry) };
    })
    .on('DELETE', `${COMPANIES}/:companyId`, ({ state }, { companyId = '' }) => {
      // HubSpot answers 204 whether or not the company was live.
      const record = state.store.find(companyId);
      if (record) state.store.archive(record, state.apiActor);
      return { status: 204 };
    });
}

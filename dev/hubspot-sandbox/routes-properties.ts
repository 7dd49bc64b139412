/** /crm/v3/properties/companies: property definitions, their batch calls, and property groups. */
import { checkBatchInputs } from './batch-inputs.js';
import { HubSpotError, standardError } from './hubspot-error.js';
import { queryBool } from './http-io.js';
import {
  groupCreateSchema,
  groupUpdateSchema,
  parseBody,
  propertyBatchCreateSchema,
  propertyBatchReadSchema,
  propertyCreateSchema,
  propertyNamesSchema,
  propertyUpdateSchema,
} from './request-schemas.js';
import type { Router } from './router.js';
import type { ApiContext } from './api-context.js';
import { batchEnvelope, groupView, propertyView } from './views.js';

const BASE = '/crm/v3/properties/:objectType';
const COMPANY_OBJECT_TYPES = new Set(['companies', 'company', '0-2']);

export function propertyRoutes(router: Router<ApiContext>): void {
  // Literal paths (batch, groups) are registered before `:propertyName` so they win.
  router
    .on(
      'POST',
      `${BASE}/batch/create`,
      companiesOnly(({ state, body }) => {
        const startedAt = state.now();
        const { inputs } = parseBody(propertyBatchCreateSchema, body);
        checkBatchInputs(
          inputs.map((i) => i.name),
          { uniqueIds: true },
        );
        return {
          status: 201,
          body: batchEnvelope(
            inputs.map((i) => propertyView(state.registry.create(i))),
            startedAt,
          ),
        };
      }),
    )
    .on(
      'POST',
      `${BASE}/batch/read`,
      companiesOnly(({ state, body }) => {
        const startedAt = state.now();
        const { inputs, archived } = parseBody(propertyBatchReadSchema, body);
        checkBatchInputs(inputs.map((i) => i.name));
        const defs = inputs.flatMap((i) => state.registry.list(archived).filter((p) => p.name === i.name));
        const missing = inputs.map((i) => i.name).filter((name) => !defs.some((d) => d.name === name));
        const results = defs.map(propertyView);
        return missing.length === 0
          ? { status: 200, body: batchEnvelope(results, startedAt) }
          : {
              status: 207,
              body: batchEnvelope(results, startedAt, [
                standardError('OBJECT_NOT_FOUND', 'Some properties were not found.', { names: missing }),
              ]),
            };
      }),
    )
    .on(
      'POST',
      `${BASE}/batch/archive`,
      companiesOnly(({ state, body }) => {
        const { inputs } = parseBody(propertyNamesSchema, body);
        checkBatchInputs(inputs.map((i) => i.name));
        for (const { name } of inputs) state.registry.archive(name);
        return { status: 204 };
      }),
    )
    .on(
      'GET',
      `${BASE}/groups`,
      companiesOnly(({ state }) => ({ status: 200, body: { results: state.registry.listGroups().map(groupView) } })),
    )
    .on(
      'POST',
      `${BASE}/groups`,
      companiesOnly(({ state, body }) => ({
        status: 201,
        body: groupView(state.registry.createGroup(parseBody(groupCreateSchema, body))),
      })),
    )
    .on(
      'GET',
      `${BASE}/groups/:groupName`,
      companiesOnly(({ state }, { groupName = '' }) => ({ status: 200, body: groupView(state.registry.getGroup(groupName)) })),
    )
    .on(
      'PATCH',
      `${BASE}/groups/:groupName`,
      companiesOnly(({ state, body }, { groupName = '' }) => ({
        status: 200,
        body: groupView(state.registry.updateGroup(groupName, parseBody(groupUpdateSchema, body))),
      })),
    )
    .on(
      'DELETE',
      `${BASE}/groups/:groupName`,
      companiesOnly(({ state }, { groupName = '' }) => {
        state.registry.archiveGroup(groupName);
        return { status: 204 };
      }),
    )
    .on(
      'GET',
      BASE,
      companiesOnly(({ state, query }) => ({
        status: 200,
        body: { results: state.registry.list(queryBool(query, 'archived')).map(propertyView) },
      })),
    )
    .on(
      'POST',
      BASE,
      companiesOnly(({ state, body }) => ({
        status: 201,
        body: propertyView(state.registry.create(parseBody(propertyCreateSchema, body))),
      })),
    )
    .on(
      'GET',
      `${BASE}/:propertyName`,
      companiesOnly(({ state, query }, { propertyName = '' }) => ({
        status: 200,
        body: propertyView(state.registry.get(propertyName, queryBool(query, 'archived'))),
      })),
    )
    .on(
      'PATCH',
      `${BASE}/:propertyName`,
      companiesOnly(({ state, body }, { propertyName = '' }) => ({
        status: 200,
        body: propertyView(state.registry.update(propertyName, parseBody(propertyUpdateSchema, body))),
      })),
    )
    .on(
      'DELETE',
      `${BASE}/:propertyName`,
      companiesOnly(({ state }, { propertyName = '' }) => {
        state.registry.archive(propertyName);
        return { status: 204 };
      }),
    );
}

type Handler = Parameters<Router<ApiContext>['on']>[2];

function companiesOnly(handler: Handler): Handler {
  return (ctx, params) => {
    if (!COMPANY_OBJECT_TYPES.has(params.objectType ?? '')) {
      throw new HubSpotError(
        400,
        'VALIDATION_ERROR',
        `Unable to infer object type from: ${params.objectType} (the sandbox serves companies only)`,
      );
    }
    return handler(ctx, params);
  };
}

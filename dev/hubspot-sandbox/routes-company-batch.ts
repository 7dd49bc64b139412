/**
 * /crm/v3/objects/companies/batch/*: every input is validated before any is
 * written, so a batch with one bad input writes nothing (HubSpot's 400 with
 * per-input errors); ids that do not exist come back as 207 errors.
 */
import { checkBatchInputs, clashesWithinBatch, MAX_BATCH_READ_WITH_HISTORY } from './batch-inputs.js';
import type { CompanyRecord } from './company-types.js';
import { standardError, validationError } from './hubspot-error.js';
import { queryBool } from './http-io.js';
import { batchCreateSchema, batchIdsSchema, batchReadSchema, batchUpdateSchema, batchUpsertSchema, parseBody } from './request-schemas.js';
import type { Router } from './router.js';
import type { ApiContext } from './api-context.js';
import { COMPANIES } from './routes-companies.js';
import type { SandboxState } from './state.js';
import { batchEnvelope, companyView, writeView } from './views.js';
import { problemsError } from './write-problems.js';
import type { InputProblems } from './write-problems.js';

const BATCH = `${COMPANIES}/batch`;

export function companyBatchRoutes(router: Router<ApiContext>): void {
  router
    .on('POST', `${BATCH}/read`, ({ state, body, query }) => {
      const startedAt = state.now();
      const input = parseBody(batchReadSchema, body);
      const max = input.propertiesWithHistory.length > 0 ? MAX_BATCH_READ_WITH_HISTORY : undefined;
      checkBatchInputs(
        input.inputs.map((i) => i.id),
        { max },
      );
      if (input.idProperty) state.store.requireUniqueProperty(input.idProperty);
      const archived = queryBool(query, 'archived');
      const found: CompanyRecord[] = [];
      const missing: string[] = [];
      for (const { id } of input.inputs) {
        const record = state.store.find(id, input.idProperty, archived);
        if (record) found.push(record);
        else missing.push(id);
      }
      const results = found.map((r) => companyView(r, input, state.registry));
      return missing.length === 0
        ? { status: 200, body: batchEnvelope(results, startedAt) }
        : { status: 207, body: batchEnvelope(results, startedAt, [notFoundError(missing)]) };
    })
    .on('POST', `${BATCH}/create`, ({ state, body }) => {
      const startedAt = state.now();
      const { inputs } = parseBody(batchCreateSchema, body);
      checkBatchInputs(inputs.map((_, i) => String(i)));
      const within = clashesWithinBatch(
        inputs.map((i) => i.properties),
        state.registry.uniqueNames(),
      );
      throwIfAnyProblems(
        inputs.map((input, index) => {
          const problems = state.store.check(input.properties);
          return {
            ...problems,
            clashes: [...problems.clashes, ...(within[index] ?? [])],
            index,
            objectWriteTraceId: input.objectWriteTraceId,
          };
        }),
      );
      const results = inputs.map((input) =>
        writeView(state.store.create(input.properties, state.apiActor), input.properties, state.registry),
      );
      return { status: 201, body: batchEnvelope(results, startedAt) };
    })
    .on('POST', `${BATCH}/update`, ({ state, body }) => {
      const startedAt = state.now();
      const { inputs } = parseBody(batchUpdateSchema, body);
      checkBatchInputs(
        inputs.map((i) => `${i.idProperty ?? ''}:${i.id}`),
        { uniqueIds: true },
      );
      const targets = inputs.map((input) => state.store.find(input.id, input.idProperty));
      const within = clashesWithinBatch(
        inputs.map((i) => i.properties),
        state.registry.uniqueNames(),
      );
      throwIfAnyProblems(
        inputs.map((input, index) => {
          const problems = state.store.check(input.properties, targets[index]?.id);
          return {
            ...problems,
            clashes: [...problems.clashes, ...(within[index] ?? [])],
            index,
            objectWriteTraceId: input.objectWriteTraceId,
          };
        }),
      );
      const results = inputs.flatMap((input, index) => {
        const target = targets[index];
        return target ? [writeView(state.store.update(target, input.properties, state.apiActor), input.properties, state.registry)] : [];
      });
      const missing = inputs.filter((_, index) => !targets[index]).map((i) => i.id);
      return missing.length === 0
        ? { status: 200, body: batchEnvelope(results, startedAt) }
        : { status: 207, body: batchEnvelope(results, startedAt, [notFoundError(missing)]) };
    })
    .on('POST', `${BATCH}/upsert`, ({ state, body }) => upsert(state, body))
    .on('POST', `${BATCH}/archive`, ({ state, body }) => {
      const { inputs } = parseBody(batchIdsSchema, body);
      checkBatchInputs(inputs.map((i) => i.id));
      for (const { id } of inputs) {
        const record = state.store.find(id);
        if (record) state.store.archive(record, state.apiActor);
      }
      return { status: 204 };
    });
}

/** Creates or updates by a unique `idProperty`; runs synchronously, so concurrent upserts never duplicate. */
function upsert(state: SandboxState, body: unknown) {
  const startedAt = state.now();
  const { inputs } = parseBody(batchUpsertSchema, body);
  checkBatchInputs(
    inputs.map((i) => `${i.idProperty ?? ''}:${i.id}`),
    { uniqueIds: true },
  );
  for (const input of inputs) {
    if (!input.idProperty) throw validationError('Upsert inputs need an idProperty naming a unique value property.');
    state.store.requireUniqueProperty(input.idProperty);
  }
  const planned = inputs.map((input) => {
    const idProperty = input.idProperty ?? '';
    const target = state.store.find(input.id, idProperty);
    // Writing the key's own value is a no-op for existing records and names it in the answer.
    const values = { [idProperty]: input.id, ...input.properties };
    return { input, target, values };
  });
  const within = clashesWithinBatch(
    planned.map((p) => p.values),
    state.registry.uniqueNames(),
  );
  throwIfAnyProblems(
    planned.map((p, index) => {
      const problems = state.store.check(p.values, p.target?.id);
      return {
        ...problems,
        clashes: [...problems.clashes, ...(within[index] ?? [])],
        index,
        objectWriteTraceId: p.input.objectWriteTraceId,
      };
    }),
  );
  const results = planned.map(({ target, values }) => {
    const record = target ? state.store.update(target, values, state.apiActor) : state.store.create(values, state.apiActor);
    const view = writeView(record, values, state.registry);
    return { ...view, properties: view.properties as Record<string, string>, new: !target };
  });
  return { status: 200, body: batchEnvelope(results, startedAt) };
}

function throwIfAnyProblems(problems: InputProblems[]): void {
  const error = problemsError(problems);
  if (error) throw error;
}

function notFoundError(ids: string[]) {
  return standardError(
    'OBJECT_NOT_FOUND',
    'Could not get some COMPANY objects, they may be deleted or not exist. Check that ids are valid.',
    { ids },
  );
}

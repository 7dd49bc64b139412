/**
 * HubspotCompanies over the official @hubspot/api-client, with its retries and
 * limiter off: every call goes through our caller (shared budget + policy).
 */
import { Client } from '@hubspot/api-client';
import type {
  BatchResponseSimplePublicObject,
  BatchResponseSimplePublicObjectWithErrors,
  SimplePublicObject,
  SimplePublicObjectWithAssociations,
  SimplePublicUpsertObject,
  StandardError,
} from '@hubspot/api-client/lib/codegen/crm/companies/index.js';
import { HubspotNotFoundError } from './errors.js';
import type {
  BatchReadResult,
  BatchUpdateInput,
  BatchUpdateOutcome,
  BatchUpsertInput,
  BatchUpsertOutcome,
  CompanyRecord,
  HubspotCompanies,
  ListPage,
  PropertyWrites,
  SearchCursor,
  SearchPage,
} from './hubspot-companies.js';
import { sendIsolatingInvalid } from './isolate-invalid.js';
import { callOptions } from './response-hook.js';
import type { HubspotCaller } from './retry-policy.js';

export const HUBSPOT_LIMITS = { batch: 100, batchReadWithHistory: 50, searchPage: 200 } as const;

export interface ApiClientCompaniesOptions {
  accessToken: string;
  /** e.g. the sandbox's URL; default HubSpot's https://api.hubapi.com */
  basePath?: string;
  /** The headers of every successful answer (HubSpot's daily limit figures). */
  onSuccessHeaders?: (headers: Readonly<Record<string, string>>) => void;
}

type CompaniesApi = Client['crm']['companies'];

export function createApiClientCompanies(options: ApiClientCompaniesOptions, call: HubspotCaller): HubspotCompanies {
  const client = new Client({ accessToken: options.accessToken, basePath: options.basePath, numberOfApiCallRetries: 0 });
  // Read at once: the client applies its process-global decorator list (retries,
  // limiter) when the API objects are built, and ours is empty right now.
  const api: CompaniesApi = client.crm.companies;
  const perCall = callOptions(options.onSuccessHeaders);

  async function batchRead(
    values: readonly string[],
    properties: readonly string[],
    withHistory: boolean,
    idProperty: string | undefined,
    archived = false,
  ): Promise<BatchReadResult> {
    const unique = [...new Set(values)];
    const size = withHistory ? HUBSPOT_LIMITS.batchReadWithHistory : HUBSPOT_LIMITS.batch;
    const results: CompanyRecord[] = [];
    for (const chunk of chunks(unique, size)) {
      const response = await call({ operation: 'batch.read' }, () =>
        api.batchApi.read(
          {
            inputs: chunk.map((id) => ({ id })),
            properties: [...properties],
            propertiesWithHistory: withHistory ? [...properties] : [],
            ...(idProperty ? { idProperty } : {}),
          },
          archived,
          perCall,
        ),
      );
      results.push(...response.results.map(toRecord));
    }
    const found = new Set(results.map((r) => (idProperty ? (r.properties[idProperty] ?? '') : r.id)));
    return { results, missing: unique.filter((v) => !found.has(v)) };
  }

  return {
    batchReadWithHistory: (ids, properties, opts = {}) => batchRead(ids, properties, true, undefined, opts.archived),

    batchReadCurrentValues: (ids, properties) => batchRead(ids, properties, false, undefined),

    batchReadByIdProperty: (values, idProperty, properties, opts = {}) =>
      batchRead(values, [...new Set([...properties, idProperty])], opts.withHistory ?? false, idProperty),

    async batchUpdate(inputs) {
      assertUnique(
        inputs.map((i) => i.id),
        'batchUpdate id',
      );
      const outcomes: BatchUpdateOutcome[] = [];
      for (const chunk of chunks(inputs, HUBSPOT_LIMITS.batch)) {
        outcomes.push(
          ...(await sendIsolatingInvalid(chunk, sendUpdate, (input, error) => ({ id: input.id, status: 'INVALID' as const, error }))),
        );
      }
      return outcomes;
    },

    async batchUpsertByUniqueProperty(inputs, idProperty) {
      assertUnique(
        inputs.map((i) => i.idValue),
        'batchUpsert idValue',
      );
      const outcomes: BatchUpsertOutcome[] = [];
      const send = (chunk: readonly BatchUpsertInput[]) => sendUpsert(chunk, idProperty);
      for (const chunk of chunks(inputs, HUBSPOT_LIMITS.batch)) {
        outcomes.push(
          ...(await sendIsolatingInvalid(chunk, send, (input, error) => ({ idValue: input.idValue, status: 'INVALID' as const, error }))),
        );
      }
      return outcomes;
    },

    async getCompany(id, properties, opts = {}) {
      try {
        const company = await call({ operation: 'basic.getById' }, () =>
          api.basicApi.getById(
            id,
            [...properties],
            opts.withHistory ? [...properties] : undefined,
            undefined,
            opts.archived ?? false,
            undefined,
            perCall,
          ),
        );
        return toRecord(company);
      } catch (err) {
        if (err instanceof HubspotNotFoundError) return null;
        throw err;
      }
    },

    async searchCompanies(request, cursor): Promise<SearchPage> {
      const limit = Math.min(request.pageSize ?? 100, HUBSPOT_LIMITS.searchPage);
      const filters = [
        ...(request.modifiedSince
          ? [{ propertyName: 'hs_lastmodifieddate', operator: 'GTE', value: String(request.modifiedSince.getTime()) }]
          : []),
        ...(request.modifiedBefore
          ? [{ propertyName: 'hs_lastmodifieddate', operator: 'LT', value: String(request.modifiedBefore.getTime()) }]
          : []),
        ...(cursor ? [{ propertyName: 'hs_object_id', operator: 'GT', value: cursor.afterId }] : []),
      ];
      // Each alternative carries the common filters: HubSpot ANDs within a group and ORs groups.
      const alternatives = (request.anyOf ?? []).filter((a) => a.values.length > 0);
      const filterGroups =
        alternatives.length > 0
          ? alternatives.map((a) => ({ filters: [...filters, { propertyName: a.propertyName, operator: 'IN', values: [...a.values] }] }))
          : filters.length > 0
            ? [{ filters }]
            : [];
      const response = await call({ operation: 'search', kind: 'search' }, () =>
        api.searchApi.doSearch(
          {
            filterGroups: filterGroups as never,
            // The generated type says string[]; HubSpot wants sort objects.
            sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' }] as unknown as string[],
            properties: [...request.properties],
            limit,
            ...(request.query ? { query: request.query } : {}),
          },
          perCall,
        ),
      );
      const results = response.results.map(toRecord);
      const last = results.at(-1);
      // `total` counts every match from this cursor on: a last page that happens to be full needs no empty one after it.
      const next: SearchCursor | undefined = results.length === limit && response.total > limit && last ? { afterId: last.id } : undefined;
      return { results, next };
    },

    async listCompanies(properties, after): Promise<ListPage> {
      const response = await call({ operation: 'basic.getPage' }, () =>
        api.basicApi.getPage(HUBSPOT_LIMITS.batch, after, [...properties], undefined, undefined, false, perCall),
      );
      const next = response.paging?.next?.after;
      return { results: response.results.map(toRecord), ...(next ? { after: next } : {}) };
    },

    async mergeCompanies(primaryId, mergedId) {
      const merged = await call({ operation: 'basic.merge' }, () =>
        api.basicApi.merge({ primaryObjectId: primaryId, objectIdToMerge: mergedId }, perCall),
      );
      return toRecord(merged);
    },
  };

  async function sendUpdate(chunk: readonly BatchUpdateInput[]): Promise<BatchUpdateOutcome[]> {
    const response = await call({ operation: 'batch.update' }, () =>
      api.batchApi.update(
        {
          inputs: chunk.map((input, i) => ({ id: input.id, properties: toHubspotValues(input.properties), objectWriteTraceId: String(i) })),
        },
        perCall,
      ),
    );
    const byId = new Map(response.results.map((r) => [r.id, toRecord(r)]));
    const missing = new Set(notFoundIds(response));
    return chunk.map((input): BatchUpdateOutcome => {
      const record = byId.get(input.id);
      if (record) return { id: input.id, status: 'UPDATED', record };
      if (missing.has(input.id)) return { id: input.id, status: 'NOT_FOUND' };
      throw new Error(`HubSpot batch update answered nothing for company ${input.id}`);
    });
  }

  async function sendUpsert(chunk: readonly BatchUpsertInput[], idProperty: string): Promise<BatchUpsertOutcome[]> {
    const response = await call({ operation: 'batch.upsert' }, () =>
      api.batchApi.upsert(
        {
          inputs: chunk.map((input, i) => ({
            id: input.idValue,
            idProperty,
            properties: toHubspotValues(input.properties),
            objectWriteTraceId: String(i),
          })),
        },
        perCall,
      ),
    );
    const results = response.results as SimplePublicUpsertObject[];
    return chunk.map((input, i): BatchUpsertOutcome => {
      const result =
        results.find((r) => r.objectWriteTraceId === String(i)) ?? results.find((r) => r.properties[idProperty] === input.idValue);
      if (!result) throw new Error(`HubSpot batch upsert answered nothing for ${idProperty}=${input.idValue}`);
      return { idValue: input.idValue, status: result._new ? 'CREATED' : 'UPDATED', record: toRecord(result) };
    });
  }
}

export function toRecord(o: SimplePublicObject | SimplePublicObjectWithAssociations | SimplePublicUpsertObject): CompanyRecord {
  const record: CompanyRecord = {
    id: o.id,
    properties: { ...o.properties },
    archived: o.archived ?? false,
    createdAt: iso(o.createdAt),
    updatedAt: iso(o.updatedAt),
  };
  if (o.propertiesWithHistory) {
    record.propertiesWithHistory = Object.fromEntries(
      Object.entries(o.propertiesWithHistory).map(([name, versions]) => [
        name,
        versions.map((v) => ({
          value: v.value,
          timestamp: validTime(v.timestamp, `${o.id}.${name}`),
          sourceType: v.sourceType,
          ...(v.sourceId !== undefined ? { sourceId: v.sourceId } : {}),
        })),
      ]),
    );
  }
  return record;
}

/** HubSpot clears a property when sent "". */
function toHubspotValues(properties: PropertyWrites): Record<string, string> {
  return Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, v ?? '']));
}

function notFoundIds(response: BatchResponseSimplePublicObject | BatchResponseSimplePublicObjectWithErrors): string[] {
  const errors: StandardError[] = 'errors' in response && response.errors ? response.errors : [];
  return errors.filter((e) => e.category === 'OBJECT_NOT_FOUND').flatMap((e) => e.context?.ids ?? []);
}

function iso(value: Date | string): string {
  return value instanceof Date ? value.toISOString() : new Date(value).toISOString();
}

/**
 * A history entry's time as the client parsed it. A missing one (the client passes null through)
 * or one that is no time fails the read, naming the company and property.
 */
function validTime(value: Date | string | null | undefined, where: string): Date {
  const time = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : null;
  if (time === null || Number.isNaN(time.getTime()))
    throw new Error(`HubSpot answered a history entry of ${where} without a valid timestamp`);
  return time;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function assertUnique(values: readonly string[], what: string): void {
  const seen = new Set<string>();
  for (const value of values) {
    if (seen.has(value)) throw new Error(`${what} "${value}" appears twice in one call`);
    seen.add(value);
  }
}

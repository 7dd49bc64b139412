/** Shapes stored records into the response objects of HubSpot's OpenAPI files. */
import type { CompanyRecord } from './company-types.js';
import type { PropertyRegistry } from './property-registry.js';
import type { PropertyDefinition, PropertyGroupDefinition } from './property-types.js';
import type { IndexedCompany } from './search-index.js';
import { DEFAULT_COMPANY_PROPERTIES } from './standard-properties.js';

export interface Selection {
  properties?: readonly string[];
  propertiesWithHistory?: readonly string[];
}

type Company = CompanyRecord | IndexedCompany;

/**
 * Named properties come back even when unset (as null), unknown names are
 * skipped, as HubSpot does; no names means HubSpot's default set.
 */
export function companyView(record: Company, selection: Selection, registry: PropertyRegistry) {
  const names = selection.properties?.length ? selection.properties : DEFAULT_COMPANY_PROPERTIES;
  const properties: Record<string, string | null> = {};
  for (const name of names) {
    if (registry.live(name)) properties[name] = record.values.get(name) ?? null;
  }
  const view: { properties: Record<string, string | null>; [key: string]: unknown } = {
    id: record.id,
    properties,
    createdAt: iso(record.createdAt),
    updatedAt: iso(record.updatedAt),
    archived: 'archived' in record ? record.archived : false,
  };
  if ('archivedAt' in record && record.archivedAt !== undefined) view.archivedAt = iso(record.archivedAt);
  if (selection.propertiesWithHistory?.length && 'history' in record) {
    view.propertiesWithHistory = Object.fromEntries(
      selection.propertiesWithHistory.filter((name) => registry.live(name)).map((name) => [name, record.history.get(name) ?? []]),
    );
  }
  return view;
}

/** Create/update answers: the default properties plus every property the call wrote, unset ones left out. */
export function writeView(record: CompanyRecord, written: Readonly<Record<string, string>>, registry: PropertyRegistry) {
  const view = companyView(record, { properties: [...DEFAULT_COMPANY_PROPERTIES, ...Object.keys(written)] }, registry);
  view.properties = Object.fromEntries(Object.entries(view.properties).filter(([, v]) => v !== null));
  return view;
}

export function propertyView(def: PropertyDefinition) {
  const { readOnlyValue, ...rest } = def;
  return {
    ...rest,
    modificationMetadata: {
      archivable: !def.hubspotDefined,
      readOnlyDefinition: def.hubspotDefined,
      readOnlyValue,
      readOnlyOptions: def.hubspotDefined,
    },
  };
}

export function groupView(group: PropertyGroupDefinition) {
  return { name: group.name, label: group.label, displayOrder: group.displayOrder, archived: group.archived };
}

export function batchEnvelope<T>(results: T[], startedAt: number, errors: unknown[] = []) {
  const body: Record<string, unknown> = {
    status: 'COMPLETE',
    results,
    startedAt: iso(startedAt),
    completedAt: new Date().toISOString(),
  };
  if (errors.length > 0) {
    body.errors = errors;
    body.numErrors = errors.length;
  }
  return body;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

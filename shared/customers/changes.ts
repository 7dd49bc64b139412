import { canonicalJson } from '../http/json-text.js';
import type { JsonObject } from '../db/tables/customers.js';
import type { CreateCustomerInput, UpdateCustomerInput } from './schemas.js';
import type { CustomerRow } from './view.js';

/** The columns a client writes (through POST, or PUT for all but type and currency). */
const VALUE_COLUMNS = [
  'company_name',
  'legal_name',
  'status',
  'customer_type',
  'contact',
  'address',
  'services',
  'kyc_data',
  'business_info',
  'external_ids',
  'custom_fields',
  'credit_limit',
  'payment_terms',
  'billing_cycle',
  'currency',
] as const satisfies readonly (keyof CustomerRow)[];
export type CustomerValues = Pick<CustomerRow, (typeof VALUE_COLUMNS)[number]>;

const DISABLED = { enabled: false, types: [] };
const DEFAULT_SERVICES = { voice: DISABLED, messaging: DISABLED, telecom_data: DISABLED };

/** JSON columns whose keys are synced one by one (`contact.email`), so diffs name each key. */
const KEYED_COLUMNS = ['contact', 'address', 'external_ids'] as const;

export function valuesOf(row: CustomerRow): CustomerValues {
  return Object.fromEntries(VALUE_COLUMNS.map((column) => [column, row[column]])) as CustomerValues;
}

/** A merge where a null value removes the key (e.g. `address.line2: null`). */
function mergeObject(base: JsonObject, patch: JsonObject): JsonObject {
  const merged: JsonObject = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else if (value !== undefined) merged[key] = value;
  }
  return merged;
}

export function valuesForCreate(input: CreateCustomerInput): CustomerValues {
  return {
    company_name: input.company_name,
    legal_name: input.legal_name ?? null,
    status: input.status ?? 'ACTIVE',
    customer_type: input.customer_type,
    contact: input.contact,
    address: mergeObject({}, input.address),
    services: mergeObject(DEFAULT_SERVICES, input.services ?? {}),
    kyc_data: input.kyc_data ?? null,
    business_info: input.business_info ?? null,
    external_ids: input.external_ids ?? {},
    custom_fields: input.custom_fields ?? null,
    credit_limit: input.credit_limit ?? null,
    payment_terms: input.payment_terms ?? 30,
    billing_cycle: input.billing_cycle ?? 'MONTHLY',
    currency: input.currency ?? 'USD',
  };
}

/** Partial update: absent fields keep their value; contact, address and services merge (see schemas.ts). */
export function applyUpdate(current: CustomerValues, patch: UpdateCustomerInput): CustomerValues {
  const next: CustomerValues = { ...current };
  const set = next as Record<string, unknown>;
  for (const [key, value] of Object.entries(patch)) if (value !== undefined) set[key] = value;
  if (patch.contact) next.contact = mergeObject(current.contact, patch.contact);
  if (patch.address) next.address = mergeObject(current.address, patch.address);
  if (patch.services) next.services = mergeObject(current.services, patch.services);
  return next;
}

/** Field paths -> values, with keyed JSON columns expanded (`address.city`). */
export function flattenFields(values: Record<string, unknown>): Record<string, unknown> {
  const flat: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    if ((KEYED_COLUMNS as readonly string[]).includes(key) && value && typeof value === 'object') {
      for (const [sub, subValue] of Object.entries(value)) flat[`${key}.${sub}`] = subValue;
    } else {
      flat[key] = value;
    }
  }
  return flat;
}

export interface FieldChanges {
  fields: string[];
  oldValues: Record<string, unknown>;
  newValues: Record<string, unknown>;
}

/** A new customer's fields: every path with a value, nothing old. */
export function initialFields(values: Record<string, unknown>): FieldChanges {
  const changes: FieldChanges = { fields: [], oldValues: {}, newValues: {} };
  for (const [path, value] of Object.entries(flattenFields(values)).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (value === null || value === undefined) continue;
    changes.fields.push(path);
    changes.newValues[path] = value;
  }
  return changes;
}

/** Which field paths differ between two value sets (absent counts as null). */
export function diffFields(before: Record<string, unknown>, after: Record<string, unknown>): FieldChanges {
  const old = flattenFields(before);
  const next = flattenFields(after);
  const changes: FieldChanges = { fields: [], oldValues: {}, newValues: {} };
  for (const path of [...new Set([...Object.keys(old), ...Object.keys(next)])].sort()) {
    const a = old[path] ?? null;
    const b = next[path] ?? null;
    if (canonicalJson(a) === canonicalJson(b)) continue;
    changes.fields.push(path);
    changes.oldValues[path] = a;
    changes.newValues[path] = b;
  }
  return changes;
}

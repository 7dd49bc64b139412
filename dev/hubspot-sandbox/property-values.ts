/**
 * Checks one company property value against its definition the way HubSpot's
 * CRM object APIs do; values are strings, "" clears a property.
 */
import type { PropertyDefinition } from './property-types.js';

/** One entry of HubSpot's "Property values were not valid: [...]" list. */
export interface PropertyValueError {
  isValid: false;
  name: string;
  error: string;
  message: string;
}

const NUMBER = /^-?(\d+(\.\d*)?|\.\d+)$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function checkValue(def: PropertyDefinition | undefined, name: string, value: string): PropertyValueError | undefined {
  const fail = (error: string, message: string): PropertyValueError => ({ isValid: false, name, error, message });
  if (!def || def.archived) return fail('PROPERTY_DOESNT_EXIST', `Property "${name}" does not exist`);
  if (def.readOnlyValue) return fail('READ_ONLY_VALUE', `"${name}" is a read only property; its value cannot be set.`);
  if (value === '') return undefined;
  if (def.type !== 'string' && value !== value.trim()) {
    return fail('LEADING_TRAILING_WHITESPACE', `"${value}" includes leading or trailing whitespace.`);
  }
  switch (def.type) {
    case 'string':
      return undefined;
    case 'number':
      return NUMBER.test(value) ? undefined : fail('INVALID_DECIMAL', `${value} was not a valid number.`);
    case 'bool':
      return value === 'true' || value === 'false'
        ? undefined
        : fail('INVALID_BOOLEAN', `${value} was not a valid boolean (true or false).`);
    case 'date':
      return isMidnightUtc(value)
        ? undefined
        : fail('INVALID_DATE', `${value} is not a valid date: use YYYY-MM-DD or midnight UTC in epoch milliseconds.`);
    case 'datetime':
      return parseDateTime(value) !== undefined ? undefined : fail('INVALID_DATETIME', `${value} was not a valid datetime.`);
    case 'enumeration':
      return checkOptions(def, value, fail);
  }
}

function checkOptions(def: PropertyDefinition, value: string, fail: (e: string, m: string) => PropertyValueError) {
  const allowed = new Set(def.options.map((o) => o.value));
  // Multi-select (checkbox) values are ';'-separated option values.
  const chosen = def.fieldType === 'checkbox' ? value.split(';') : [value];
  const bad = chosen.find((v) => !allowed.has(v));
  if (bad === undefined) return undefined;
  const list = def.options.map((o) => o.value).join(', ');
  return fail('INVALID_OPTION', `${bad} was not one of the allowed options: [${list}]`);
}

/** Epoch ms or ISO 8601 text as HubSpot accepts for datetime values and filters. */
export function parseDateTime(value: string): number | undefined {
  if (/^-?\d+$/.test(value)) return Number(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

function isMidnightUtc(value: string): boolean {
  if (ISO_DATE.test(value)) return !Number.isNaN(Date.parse(value));
  const ms = parseDateTime(value);
  return ms !== undefined && /^\d+$/.test(value) && ms % 86_400_000 === 0;
}

import { AppError } from '../errors/app-error.js';

/**
 * Dotted paths into a customer-like object: `company_name` is a column, `address.city` a key of
 * the JSONB `address` column. Writes are immutable so a plan can be applied to copies in tests
 * and the worker's input never changes under it.
 */
export type JsonObject = Readonly<Record<string, unknown>>;

const SEGMENT = /^[a-z_][a-z0-9_]*$/;
const FORBIDDEN = new Set(['__proto__', 'prototype', 'constructor']);

/** Paths are the mappings' few dozen, read for every customer of a batch: each is split and checked once. */
const checked = new Map<string, readonly string[]>();
const MAX_CHECKED = 1024;

function segments(path: string): readonly string[] {
  const known = checked.get(path);
  if (known) return known;
  const parts = path.split('.');
  if (parts.some((part) => !SEGMENT.test(part) || FORBIDDEN.has(part))) {
    throw new AppError('INTERNAL', `invalid field path "${path}"`);
  }
  // Bounded, should paths ever come from somewhere other than the mappings.
  if (checked.size >= MAX_CHECKED) checked.clear();
  checked.set(path, parts);
  return parts;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at `path`, or undefined when any step is missing or not an object. */
export function getPath(source: JsonObject, path: string): unknown {
  let current: unknown = source;
  for (const part of segments(path)) {
    if (!isObject(current) || !Object.hasOwn(current, part)) return undefined;
    current = current[part];
  }
  return current;
}

/**
 * A copy of `source` with `path` set to `value`; missing or null parents become objects. A parent
 * holding something else (text, an array) is data we would destroy, so that throws.
 */
export function setPath<T extends JsonObject>(source: T, path: string, value: unknown): T {
  return setIn(source, segments(path), value, path) as T;
}

function setIn(source: JsonObject, [head, ...rest]: readonly string[], value: unknown, path: string): JsonObject {
  if (head === undefined) return source;
  if (rest.length === 0) return { ...source, [head]: value };
  const child = Object.hasOwn(source, head) ? source[head] : undefined;
  if (child !== undefined && child !== null && !isObject(child)) {
    throw new AppError('INTERNAL', `cannot set "${path}": "${head}" is not an object`);
  }
  return { ...source, [head]: setIn(child ?? {}, rest, value, path) };
}

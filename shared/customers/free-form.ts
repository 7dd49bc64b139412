import { z } from 'zod';
import { isStorableText, NOT_STORABLE_MESSAGE } from '../db/storable-text.js';

/**
 * JSON.parse keeps `__proto__` as an own key, and these three reach Object.prototype
 * when such an object is merged or assigned key by key; zod's record silently drops
 * `__proto__`. Refused outright so no client object carries them anywhere.
 */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** Deeper values overflow the stack in recursive code (about 2,200 levels gave a RangeError 500). */
export const FREE_FORM_MAX_DEPTH = 16;
/** Object keys counted over the whole value, nested objects included. */
export const FREE_FORM_MAX_KEYS = 200;

/**
 * `schema` for a JSON object from outside whose keys are not all known in advance (the
 * customer's `kyc_data`, `custom_fields`, ...; a webhook event's unknown fields), run only
 * after the raw value passes the rules above and every key and string at any depth is text
 * PostgreSQL can store (JSONB refuses NUL and unpaired surrogates: a 500 at the insert).
 * The first offence is reported (400 naming the field, with the path to the key): a hostile
 * value must not produce thousands of issues.
 */
export function freeForm<S extends z.ZodType>(schema: S) {
  return z
    .unknown()
    .superRefine((value, ctx) => {
      let keys = 0;
      const refuse = (message: string, path: PropertyKey[]) => {
        ctx.addIssue({ code: 'custom', message, path });
        return false;
      };
      const visit = (node: unknown, path: PropertyKey[], depth: number): boolean => {
        if (typeof node === 'string') return isStorableText(node) || refuse(NOT_STORABLE_MESSAGE, path);
        if (typeof node !== 'object' || node === null) return true;
        if (depth > FREE_FORM_MAX_DEPTH) return refuse(`must not nest more than ${FREE_FORM_MAX_DEPTH} levels deep`, path);
        const entries: [PropertyKey, unknown][] = Array.isArray(node) ? [...node.entries()] : Object.entries(node);
        if (!Array.isArray(node)) keys += entries.length;
        if (keys > FREE_FORM_MAX_KEYS) return refuse(`must not have more than ${FREE_FORM_MAX_KEYS} keys in all`, []);
        for (const [key, child] of entries) {
          if (typeof key === 'string' && FORBIDDEN_KEYS.has(key)) return refuse(`key "${key}" is not allowed`, [...path, key]);
          if (typeof key === 'string' && !isStorableText(key)) return refuse(`key ${NOT_STORABLE_MESSAGE}`, [...path, key]);
          if (!visit(child, [...path, key], depth + 1)) return false;
        }
        return true;
      };
      visit(value, [], 1);
    })
    .pipe(schema);
}

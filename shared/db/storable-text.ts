import { z } from 'zod';

// With the u flag a paired surrogate is one code point, so \p{Cs} matches only unpaired ones.
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Text PostgreSQL can store unchanged: no NUL (TEXT and JSONB reject it: a 500 if it reaches the
 * query) and no unpaired UTF-16 surrogate (silently replaced by U+FFFD on the way to UTF-8).
 */
export function isStorableText(value: string): boolean {
  return !value.includes('\u0000') && !LONE_SURROGATE.test(value);
}

export const NOT_STORABLE_MESSAGE = 'must not contain NUL characters or unpaired surrogates';

/** A zod string refused with 400, naming the field, unless PostgreSQL can store it as sent. */
export const storableString = () => z.string().refine(isStorableText, NOT_STORABLE_MESSAGE);

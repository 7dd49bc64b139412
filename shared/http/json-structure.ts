/**
 * JSON.parse is one synchronous call: a 1 MiB body of 350,000 empty arrays, or nested half a
 * million deep, blocks the event loop for 200-500 ms, and every request on the instance waits.
 * No valid request comes near these bounds (a customer nests under 20 deep with a few hundred
 * values; a full webhook batch has about 1,500), so bodies past them are refused before parsing,
 * by one pass over the bytes, which costs about a millisecond per MiB.
 */
export interface JsonLimits {
  maxDepth: number;
  maxValues: number;
}

export const JSON_LIMITS: Readonly<JsonLimits> = { maxDepth: 64, maxValues: 20_000 };

export type JsonStructureProblem = { limit: 'maxDepth' | 'maxValues'; max: number };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const [OPEN_ARRAY, OPEN_OBJECT, CLOSE_ARRAY, CLOSE_OBJECT] = [0x5b, 0x7b, 0x5d, 0x7d];

/**
 * The first bound the text breaks, counting containers and commas outside strings (each
 * value but the first in a container follows a comma). Malformed JSON is left to the parser.
 */
export function jsonStructureProblem(body: Uint8Array, limits: Readonly<JsonLimits> = JSON_LIMITS): JsonStructureProblem | null {
  let depth = 0;
  let values = 0;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i]!;
    if (byte === QUOTE) i = endOfString(body, i + 1);
    else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
      if (++depth > limits.maxDepth) return { limit: 'maxDepth', max: limits.maxDepth };
      if (++values > limits.maxValues) return { limit: 'maxValues', max: limits.maxValues };
    } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) depth--;
    else if (byte === COMMA && ++values > limits.maxValues) return { limit: 'maxValues', max: limits.maxValues };
  }
  return null;
}

/** The index of the quote closing a string that starts at `from` (native search, not a byte loop). */
function endOfString(body: Uint8Array, from: number): number {
  for (let i = from; ;) {
    const quote = body.indexOf(QUOTE, i);
    if (quote === -1) return body.length;
    let backslashes = 0;
    while (quote - 1 - backslashes >= from && body[quote - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote;
    i = quote + 1;
  }
}

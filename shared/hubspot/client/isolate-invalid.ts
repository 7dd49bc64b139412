/**
 * HubSpot rejects a whole batch write (400, or 409 for a unique clash) when
 * any input is invalid, and writes nothing. Decision: one bad input must not
 * block the others, so the adapter isolates the offenders and writes the rest:
 * - when the error blames inputs (each detail carries the input's
 *   `objectWriteTraceId` or an `in` of `inputs[i]...`), those inputs fail and
 *   the others are sent again at once (one extra call);
 * - otherwise the batch is halved and each half retried (a single input's
 *   400 is its own), so k bad inputs among n cost O(k log n) extra calls.
 * Each failed input gets a HubspotValidationError with only its own details.
 */
import { HubspotValidationError, type HubspotErrorDetail } from './errors.js';

const INPUT_INDEX = /^inputs\[(\d+)\]/;

/**
 * `send` writes a chunk (tagging input i with objectWriteTraceId `String(i)`)
 * and returns one outcome per input in order; `invalid` builds the outcome of
 * a refused input. Returns outcomes aligned with `inputs`.
 */
export async function sendIsolatingInvalid<I, O>(
  inputs: readonly I[],
  send: (chunk: readonly I[]) => Promise<O[]>,
  invalid: (input: I, error: HubspotValidationError) => O,
): Promise<O[]> {
  if (inputs.length === 0) return [];
  try {
    return await send(inputs);
  } catch (err) {
    if (!(err instanceof HubspotValidationError)) throw err;
    const [only] = inputs;
    if (inputs.length === 1 && only !== undefined) return [invalid(only, err)];
    const blamed = blamedInputs(err.details, inputs.length);
    if (!blamed) {
      const mid = Math.ceil(inputs.length / 2);
      const left = await sendIsolatingInvalid(inputs.slice(0, mid), send, invalid);
      const right = await sendIsolatingInvalid(inputs.slice(mid), send, invalid);
      return [...left, ...right];
    }
    const restIndexes = inputs.map((_, i) => i).filter((i) => !blamed.has(i));
    const rest = await sendIsolatingInvalid(
      restIndexes.map((i) => inputs[i] as I),
      send,
      invalid,
    );
    const out = new Array<O>(inputs.length);
    restIndexes.forEach((i, k) => (out[i] = rest[k] as O));
    for (const [i, details] of blamed) out[i] = invalid(inputs[i] as I, errorFor(err, details));
    return out;
  }
}

/** Index -> its details, or undefined when any detail cannot be tied to one input. */
function blamedInputs(details: readonly HubspotErrorDetail[], size: number): Map<number, HubspotErrorDetail[]> | undefined {
  if (details.length === 0) return undefined;
  const blamed = new Map<number, HubspotErrorDetail[]>();
  for (const detail of details) {
    const raw = detail.context?.objectWriteTraceId?.[0] ?? INPUT_INDEX.exec(detail.in ?? '')?.[1];
    const index = raw === undefined ? NaN : Number(raw);
    if (!Number.isInteger(index) || index < 0 || index >= size) return undefined;
    blamed.set(index, [...(blamed.get(index) ?? []), detail]);
  }
  return blamed;
}

function errorFor(batchError: HubspotValidationError, details: HubspotErrorDetail[]): HubspotValidationError {
  return new HubspotValidationError(details.map((d) => d.message).join('; '), {
    status: batchError.status,
    category: batchError.category,
    correlationId: batchError.correlationId,
    details,
  });
}

/**
 * Turns property value errors and unique-value clashes into HubSpot's error
 * answers, for one write or for every input of a batch.
 */
import { conflict, validationError } from './hubspot-error.js';
import type { ErrorDetail, HubSpotError } from './hubspot-error.js';
import type { PropertyValueError } from './property-values.js';

export interface UniqueClash {
  name: string;
  value: string;
  existingId: string;
}

export interface WriteProblems {
  invalid: PropertyValueError[];
  clashes: UniqueClash[];
}

export interface InputProblems extends WriteProblems {
  /** Position in a batch's `inputs`, absent for single-object calls. */
  index?: number;
  objectWriteTraceId?: string;
}

export const hasProblems = (p: WriteProblems) => p.invalid.length > 0 || p.clashes.length > 0;

/** Invalid values win over clashes (HubSpot validates before it looks for duplicates). */
export function problemsError(inputs: readonly InputProblems[]): HubSpotError | undefined {
  const invalid = inputs.filter((i) => i.invalid.length > 0);
  if (invalid.length > 0) {
    const all = invalid.flatMap((i) => i.invalid);
    return validationError(`Property values were not valid: ${JSON.stringify(all)}`, {
      errors: invalid.flatMap((i) => i.invalid.map((e) => detail(i, e.name, e.error, e.message))),
    });
  }
  const clashing = inputs.filter((i) => i.clashes.length > 0);
  const first = clashing[0]?.clashes[0];
  if (!first) return undefined;
  return conflict(`A company with ${first.name} "${first.value}" already exists. Existing ID: ${first.existingId}`, {
    errors: clashing.flatMap((i) =>
      i.clashes.map((c) =>
        detail(i, c.name, 'DUPLICATE_UNIQUE_PROPERTY_VALUE', `${c.name} "${c.value}" is already used by company ${c.existingId}`),
      ),
    ),
  });
}

function detail(input: InputProblems, name: string, code: string, message: string): ErrorDetail {
  const context: Record<string, string[]> = { propertyName: [name] };
  if (input.objectWriteTraceId) context.objectWriteTraceId = [input.objectWriteTraceId];
  const where = input.index === undefined ? `properties.${name}` : `inputs[${input.index}].properties.${name}`;
  return { message, code, in: where, context };
}

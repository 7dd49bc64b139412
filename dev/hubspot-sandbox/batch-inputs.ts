/** HubSpot's limits on batch inputs, checked the same way by every batch endpoint. */
import { validationError } from './hubspot-error.js';

export const MAX_BATCH_INPUTS = 100;
export const MAX_BATCH_READ_WITH_HISTORY = 50;

export function checkBatchInputs(ids: readonly string[], options: { max?: number; uniqueIds?: boolean } = {}): void {
  const max = options.max ?? MAX_BATCH_INPUTS;
  if (ids.length === 0) throw validationError('inputs must not be empty.');
  if (ids.length > max) throw validationError(`Too many inputs: at most ${max} per batch; got ${ids.length}.`);
  if (options.uniqueIds) {
    const duplicates = [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))];
    if (duplicates.length > 0) throw validationError(`Duplicate IDs found in batch input: [${duplicates.join(', ')}]. IDs must be unique.`);
  }
}

/** Same unique value asked for twice within one batch: the later input clashes with the earlier. */
export function clashesWithinBatch(
  valuesList: ReadonlyArray<Readonly<Record<string, string>>>,
  uniqueNames: readonly string[],
): Array<Array<{ name: string; value: string; existingId: string }>> {
  const firstSeen = new Map<string, number>();
  return valuesList.map((values, index) =>
    uniqueNames.flatMap((name) => {
      const value = values[name];
      if (!value) return [];
      const key = `${name}\u0000${value}`;
      const earlier = firstSeen.get(key);
      if (earlier === undefined) {
        firstSeen.set(key, index);
        return [];
      }
      return [{ name, value, existingId: `inputs[${earlier}]` }];
    }),
  );
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonStructureProblem } from '../../../shared/http/json-structure.js';

/** Depth and value count of a parsed value, as the byte scan counts them on its text. */
function measure(value: unknown): { depth: number; values: number } {
  if (value === null || typeof value !== 'object') return { depth: 0, values: 0 };
  const children = Array.isArray(value) ? value : Object.values(value);
  const inner = children.map(measure);
  return {
    depth: 1 + Math.max(0, ...inner.map((m) => m.depth)),
    values: 1 + Math.max(0, children.length - 1) + inner.reduce((sum, m) => sum + m.values, 0),
  };
}

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('jsonStructureProblem', () => {
  it('agrees with the parsed value on every JSON text: refused exactly when a bound is passed', () => {
    fc.assert(
      fc.property(
        fc.json({ depthSize: 'medium' }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 60 }),
        (text, maxDepth, maxValues) => {
          const { depth, values } = measure(JSON.parse(text));
          const problem = jsonStructureProblem(bytes(text), { maxDepth, maxValues });
          if (depth > maxDepth || values > maxValues) expect(problem).not.toBeNull();
          else expect(problem).toBeNull();
        },
      ),
      { seed: 7, numRuns: 2_000 },
    );
  });

  it('ignores brackets, commas and escaped quotes inside strings', () => {
    const text = JSON.stringify({ a: '[[[[{{{{,,,,\\"]]]]', b: ['x\\', '"[', '\\\\"'] });
    expect(jsonStructureProblem(bytes(text), { maxDepth: 2, maxValues: 5 })).toBeNull();
  });

  it('names the bound: depth first met, then the value count', () => {
    expect(jsonStructureProblem(bytes('[[[1]]]'), { maxDepth: 2, maxValues: 100 })).toEqual({ limit: 'maxDepth', max: 2 });
    expect(jsonStructureProblem(bytes('[1,2,3,4]'), { maxDepth: 2, maxValues: 3 })).toEqual({ limit: 'maxValues', max: 3 });
  });

  it('leaves malformed text to the parser', () => {
    expect(jsonStructureProblem(bytes('{"a": "unterminated'))).toBeNull();
    expect(jsonStructureProblem(bytes(']]]}}}'))).toBeNull();
  });
});

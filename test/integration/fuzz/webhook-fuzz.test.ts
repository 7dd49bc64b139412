import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { companyEvent, hubspotHeaders, PUBLIC_URL, useIntakeFixture } from '../webhook/webhook-harness.js';
import {
  contentTypeHeader,
  expectHandled,
  FUZZ_SEED,
  hostileBody,
  hostileMethod,
  hostileQuery,
  hostileSegment,
  rowCounts,
  sendExact,
} from './fuzz-support.js';

const RUNS = 1500;
const PER_REQUEST_MS = 5000;

const EVENT_PATHS = [
  ['eventId'],
  ['subscriptionId'],
  ['portalId'],
  ['occurredAt'],
  ['subscriptionType'],
  ['objectId'],
  ['propertyName'],
  ['propertyValue'],
  ['changeSource'],
  ['sourceId'],
  ['mergedObjectIds'],
  ['attemptNumber'],
  ['someFutureField'],
  ['nested', 'deeper'],
] as const;

describe('HubSpot webhook intake under fuzzed, validly signed requests', () => {
  const f = useIntakeFixture();

  it(`never answers 5xx, answers every 4xx in the envelope, and stores nothing on a 4xx (${RUNS} seeded requests)`, async () => {
    // A batch whose second event is fuzzed, or a fuzzed body of any shape.
    const eventBody = hostileBody(companyEvent() as unknown as Record<string, unknown>, EVENT_PATHS).map(
      (event) => `[${JSON.stringify(companyEvent())},${event}]`,
    );
    const body = fc.oneof(
      eventBody,
      hostileBody({ events: [] }, [['events'], ['0']]),
      fc.constant(JSON.stringify(Array.from({ length: 120 }, () => companyEvent()))),
    );
    const request = fc.record({
      method: fc.oneof({ weight: 4, arbitrary: fc.constant('POST') }, hostileMethod),
      path: fc.tuple(fc.array(hostileSegment, { maxLength: 2 }), hostileQuery).map(([segments, query]) => `/${segments.join('/')}${query}`),
      contentType: contentTypeHeader,
      body: fc.option(body, { nil: undefined, freq: 8 }),
      signing: fc.constantFrom('v3', 'v3', 'v3', 'stale', 'wrong-secret', 'none'),
    });

    let slowest = 0;
    await fc.assert(
      fc.asyncProperty(request, async ({ method, path, contentType, body, signing }) => {
        const raw = body ?? '';
        const query = path.includes('?') ? path.slice(path.indexOf('?')) : '';
        const signed =
          signing === 'none'
            ? {}
            : hubspotHeaders(raw, {
                method,
                uri: PUBLIC_URL + query,
                timestampMs: signing === 'stale' ? Date.now() - 3_600_000 : Date.now(),
                secret: signing === 'wrong-secret' ? 'not-the-secret' : undefined,
              });
        const { 'content-type': _type, ...signature } = signed as Record<string, string>;
        const headers = [...contentType, ...Object.entries(signature).flat()];
        const before = await rowCounts(f.database.db);
        const startedAt = performance.now();
        const res = await sendExact(f.intake.url, { method, path, headers, body });
        slowest = Math.max(slowest, performance.now() - startedAt);
        const described = `${method} ${path} ${signing} ${JSON.stringify(contentType)} ${JSON.stringify(body?.slice(0, 200))}`;
        expectHandled(res, method, described);
        if (res.status >= 400) expect(await rowCounts(f.database.db), described).toEqual(before);
      }),
      { seed: FUZZ_SEED, numRuns: RUNS, endOnFailure: true },
    );
    expect(slowest).toBeLessThan(PER_REQUEST_MS);
  }, 60_000);
});

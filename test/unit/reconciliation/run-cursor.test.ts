import { describe, expect, it } from 'vitest';
import { reconcileRequestSchema } from '../../../shared/reconciliation/reconcile-request.js';
import { incrementalSince, initialCursor, parseCursor, serializeCursor } from '../../../shared/reconciliation/run-cursor.js';

describe('run cursor', () => {
  const request = reconcileRequestSchema.parse({ all: true });

  it('round-trips through the text column', () => {
    const cursor = {
      ...initialCursor('m-1', request, { since: new Date('2025-01-02T03:04:05.000Z'), until: new Date('2025-01-03T03:04:05.000Z') }),
      pass: 'HUBSPOT' as const,
      after: '30000000007',
    };
    expect(parseCursor(serializeCursor(cursor))).toEqual(cursor);
  });

  it('starts a new run on the WARP pass, with no position; an incremental one with its window', () => {
    expect(initialCursor('m-2', request, null)).toEqual({ messageId: 'm-2', request, since: null, pass: 'WARP', after: null });
    const window = { since: new Date('2025-01-02T00:00:00.000Z'), until: new Date('2025-01-03T00:10:00.000Z') };
    expect(initialCursor('m-3', request, window)).toMatchObject({ since: '2025-01-02T00:00:00.000Z', until: '2025-01-03T00:10:00.000Z' });
  });

  it('reads a cursor written before runs recorded their window end', () => {
    const older = { messageId: 'm-4', request, since: '2025-01-02T00:00:00.000Z', pass: 'HUBSPOT', after: '30000000001' };
    expect(parseCursor(JSON.stringify(older))).toEqual(older);
  });

  it('does not take a cursor it did not write', () => {
    expect(parseCursor(null)).toBeUndefined();
    expect(parseCursor('page 3')).toBeUndefined();
    expect(parseCursor('{"messageId":"m","pass":"SOMEWHERE"}')).toBeUndefined();
  });

  it('looks back to the last successful start minus the overlap; with none, every customer', () => {
    expect(incrementalSince(new Date('2025-01-02T00:10:00Z'), 600_000)).toEqual(new Date('2025-01-02T00:00:00Z'));
    expect(incrementalSince(undefined, 600_000)).toBeNull();
  });
});

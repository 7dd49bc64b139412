import { describe, expect, it } from 'vitest';
import type { FieldDecision } from '../../../shared/sync/decide-field.js';
import { diffDecision } from '../../../shared/reconciliation/dry-run.js';

describe('a dry run reports the planner decision as push, pull, put_back, conflict or none', () => {
  it.each<[FieldDecision, ReturnType<typeof diffDecision>]>([
    [
      { action: 'IN_SYNC', value: 'x' },
      { decision: 'none', reason: 'IN_SYNC' },
    ],
    [
      { action: 'SKIP', reason: 'DIRECTION_NONE' },
      { decision: 'none', reason: 'DIRECTION_NONE' },
    ],
    [
      { action: 'SKIP', reason: 'DISABLED' },
      { decision: 'none', reason: 'DISABLED' },
    ],
    [
      { action: 'SKIP', reason: 'CONFLICT_PENDING' },
      { decision: 'conflict', reason: 'CONFLICT_PENDING' },
    ],
    [
      { action: 'OPEN_CONFLICT', warpValue: 'a', hubspotValue: 'b', warpChangedAt: null, hubspotChangedAt: null },
      { decision: 'conflict', reason: 'MANUAL' },
    ],
    [
      { action: 'PUSH_TO_HUBSPOT', value: 'a', reason: 'WARP_CHANGED' },
      { decision: 'push', reason: 'WARP_CHANGED' },
    ],
    [
      { action: 'PUSH_TO_HUBSPOT', value: 'a', reason: 'LATEST_WINS' },
      { decision: 'push', reason: 'LATEST_WINS' },
    ],
    [
      { action: 'PUSH_TO_HUBSPOT', value: 'a', reason: 'FILL_EMPTY' },
      { decision: 'push', reason: 'FILL_EMPTY' },
    ],
    [
      { action: 'PULL_TO_WARP', value: 'b', reason: 'HUBSPOT_CHANGED' },
      { decision: 'pull', reason: 'HUBSPOT_CHANGED' },
    ],
    [
      { action: 'PULL_TO_WARP', value: 'b', reason: 'HUBSPOT_WINS' },
      { decision: 'pull', reason: 'HUBSPOT_WINS' },
    ],
    [
      { action: 'PUSH_TO_HUBSPOT', value: 'a', reason: 'OWNER_WINS' },
      { decision: 'put_back', reason: 'OWNER_WINS' },
    ],
    [
      { action: 'PULL_TO_WARP', value: 'b', reason: 'OWNER_WINS' },
      { decision: 'put_back', reason: 'OWNER_WINS' },
    ],
    [
      { action: 'PUSH_TO_HUBSPOT', value: 'a', reason: 'OWN_WRITE_OUTDATED' },
      { decision: 'put_back', reason: 'OWN_WRITE_OUTDATED' },
    ],
    [
      { action: 'PUSH_TO_HUBSPOT', value: 'a', reason: 'WARP_REJECTS_VALUE', rejected: 'too long' },
      { decision: 'put_back', reason: 'WARP_REJECTS_VALUE: too long' },
    ],
  ])('%j', (decision, expected) => {
    expect(diffDecision(decision)).toEqual(expected);
  });
});

import { describe, expect, it } from 'vitest';
import type { CompanyGateway } from '../../../shared/outbound-sync/sync-claimed-rows.js';
import { budgetWaitForLease, hubspotDeadline, SyncDeadlineError, withDeadline } from '../../../shared/outbound-sync/sync-deadline.js';

const claimedAt = new Date('2026-01-01T00:00:00Z');

describe('batch deadline', () => {
  it('lets HubSpot calls start during the first half of the lease only', () => {
    expect(hubspotDeadline(claimedAt, 120_000)).toEqual(new Date('2026-01-01T00:01:00Z'));
  });

  it("caps the adapter's budget wait so a call started at the deadline still ends inside the lease", () => {
    expect(budgetWaitForLease(120_000, 30_000)).toBe(15_000);
    expect(budgetWaitForLease(600_000, 30_000)).toBe(30_000); // a long lease keeps the configured wait
    for (const leaseMs of [1_000, 60_000, 120_000, 300_000]) {
      const deadlineMs = hubspotDeadline(claimedAt, leaseMs).getTime() - claimedAt.getTime();
      expect(deadlineMs + budgetWaitForLease(leaseMs, 30_000)).toBeLessThan(leaseMs * 0.75);
    }
  });

  it('refuses to start a call at or after the deadline, and never cuts one short', async () => {
    const calls: string[] = [];
    const fake: CompanyGateway = {
      batchReadCurrentValues: async () => (calls.push('read'), { results: [], missing: [] }),
      batchReadWithHistory: async () => (calls.push('history read'), { results: [], missing: [] }),
      batchUpsertByUniqueProperty: async () => (calls.push('upsert'), []),
      batchUpdate: async () => (calls.push('update'), []),
    };
    let now = claimedAt.getTime();
    const deadline = hubspotDeadline(claimedAt, 10_000);
    const guarded = withDeadline(fake, deadline, () => new Date(now));

    await guarded.batchReadCurrentValues(['1'], ['name']);
    now = deadline.getTime() - 1;
    await guarded.batchUpsertByUniqueProperty([], 'warp_ban');
    now = deadline.getTime();
    await expect(guarded.batchUpdate([{ id: '1', properties: {} }])).rejects.toBeInstanceOf(SyncDeadlineError);
    await expect(guarded.batchReadCurrentValues(['1'], ['name'])).rejects.toThrow(/past its HubSpot deadline/);
    await expect(guarded.batchReadWithHistory(['1'], ['name'])).rejects.toThrow(/past its HubSpot deadline/);
    expect(calls).toEqual(['read', 'upsert']);
  });
});

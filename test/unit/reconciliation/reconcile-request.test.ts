import { describe, expect, it } from 'vitest';
import { reconcileMessageSchema, reconcileRequestSchema, resyncOrigin } from '../../../shared/reconciliation/reconcile-request.js';

const ID = '8b1c578f-f913-4e64-9624-197fba5ff65a';

describe('reconcile requests', () => {
  it.each([
    [{ customerId: ID }, { customerId: ID, trigger: 'OPERATOR', dryRun: false }],
    [{ all: true }, { all: true, mode: 'INCREMENTAL', trigger: 'OPERATOR', dryRun: false }],
    [
      { all: true, mode: 'FULL' },
      { all: true, mode: 'FULL', trigger: 'OPERATOR', dryRun: false },
    ],
    [
      { all: true, trigger: 'SCHEDULER' },
      { all: true, mode: 'INCREMENTAL', trigger: 'SCHEDULER', dryRun: false },
    ],
    [
      { all: true, dryRun: true },
      { all: true, mode: 'INCREMENTAL', trigger: 'OPERATOR', dryRun: true },
    ],
    [
      { customerIds: [ID], dryRun: true },
      { customerIds: [ID], trigger: 'OPERATOR', dryRun: true },
    ],
  ])('accepts %j', (message, parsed) => {
    expect(reconcileRequestSchema.parse(message)).toEqual(parsed);
  });

  it.each([
    [{}],
    [{ all: false }],
    [{ all: 'true' }],
    [{ all: true, mode: 'full' }],
    [{ customerId: 'not-a-uuid' }],
    [{ customerId: ID, all: true }],
    [{ customerId: ID, mode: 'FULL' }],
    [{ all: true, trigger: 'CRON' }],
    [{ all: true, extra: 1 }],
    [{ all: true, dryRun: 'yes' }],
    [{ customerIds: [] }],
    [{ customerIds: [ID], mode: 'FULL' }],
  ])('refuses %j', (message) => {
    expect(reconcileRequestSchema.safeParse(message).success).toBe(false);
  });

  it('takes a queued run by id as a message, and only a decimal id', () => {
    expect(reconcileMessageSchema.parse({ runId: '42' })).toEqual({ runId: '42' });
    expect(reconcileMessageSchema.safeParse({ runId: '0' }).success).toBe(false);
    expect(reconcileMessageSchema.safeParse({ runId: '42', all: true }).success).toBe(false);
  });

  it("marks the scheduler's rows RECONCILIATION and everyone else's OPERATOR", () => {
    expect(resyncOrigin(reconcileRequestSchema.parse({ all: true, trigger: 'SCHEDULER' }))).toBe('RECONCILIATION');
    expect(resyncOrigin(reconcileRequestSchema.parse({ all: true }))).toBe('OPERATOR');
    expect(resyncOrigin(reconcileRequestSchema.parse({ customerId: ID }))).toBe('OPERATOR');
  });
});

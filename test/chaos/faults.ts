/**
 * The sandbox's faults over a run: 429 30%, 503 10%, 200 ms latency 20% of API calls and webhook
 * batches dropped, duplicated and reordered 10% each, plus an outage window of 100% 503. The
 * control API clears all rules at once, so a phase change clears and re-adds.
 */
import type { ControlClient } from '../../dev/hubspot-sandbox/control-client.js';
import type { FaultRuleInput } from '../../dev/hubspot-sandbox/faults.js';

export const BASE_FAULTS: readonly FaultRuleInput[] = [
  { kind: 'status', status: 429, probability: 0.3 },
  { kind: 'status', status: 503, probability: 0.1 },
  { kind: 'latency', ms: 200, probability: 0.2 },
  { kind: 'drop', probability: 0.1 },
  { kind: 'duplicate', probability: 0.1 },
  { kind: 'reorder', probability: 0.1 },
];

const OUTAGE: FaultRuleInput = { kind: 'status', status: 503, probability: 1 };

export async function setFaults(control: ControlClient, phase: 'base' | 'outage' | 'none'): Promise<void> {
  await control.clearFaults();
  if (phase === 'none') return;
  for (const rule of phase === 'outage' ? [OUTAGE, ...BASE_FAULTS] : BASE_FAULTS) await control.addFault(rule);
}

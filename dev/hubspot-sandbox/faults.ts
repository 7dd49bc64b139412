/**
 * Fault injection: HubSpot answers a test wants to provoke (429, 423, 5xx,
 * slowness) and webhook delivery misbehaviour (dropped, duplicated,
 * reordered). A rule fires on a probability, on a schedule (`skip` matching
 * calls, then fire `count` times), or always.
 */
import { z } from 'zod';
import { HubSpotError, rateLimited } from './hubspot-error.js';

const trigger = {
  probability: z.number().min(0).max(1).optional(),
  skip: z.number().int().min(0).default(0),
  count: z.number().int().min(1).optional(),
  /** API faults only: restrict to a method and/or a path prefix such as `/crm/v3/objects/companies/batch`. */
  method: z.string().optional(),
  pathPrefix: z.string().optional(),
};

export const faultRuleSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('status'),
    status: z.union([z.literal(429), z.literal(423), z.literal(500), z.literal(502), z.literal(503), z.literal(504)]),
    ...trigger,
  }),
  z.object({ kind: z.literal('latency'), ms: z.number().int().min(0).max(60_000), ...trigger }),
  z.object({ kind: z.enum(['drop', 'duplicate', 'reorder']), ...trigger }),
]);
export type FaultRuleInput = z.input<typeof faultRuleSchema>;
type FaultRule = z.infer<typeof faultRuleSchema> & { id: number; seen: number; fired: number };

export interface ApiFaultDecision {
  latencyMs: number;
  error?: HubSpotError;
  names: string[];
}

export class Faults {
  private rules: FaultRule[] = [];
  private nextId = 1;

  constructor(private readonly random: () => number) {}

  add(input: FaultRuleInput): number {
    const rule = { ...faultRuleSchema.parse(input), id: this.nextId++, seen: 0, fired: 0 };
    this.rules.push(rule);
    return rule.id;
  }

  clear(): void {
    this.rules = [];
  }

  list(): ReadonlyArray<Omit<FaultRule, 'seen'>> {
    return this.rules;
  }

  forApiCall(method: string, path: string): ApiFaultDecision {
    const decision: ApiFaultDecision = { latencyMs: 0, names: [] };
    for (const rule of this.rules) {
      if (rule.kind !== 'status' && rule.kind !== 'latency') continue;
      if (rule.method && rule.method.toUpperCase() !== method) continue;
      if (rule.pathPrefix && !path.startsWith(rule.pathPrefix)) continue;
      // Every matching call counts toward `skip`, even when another status fault already answers it.
      rule.seen++;
      if (rule.kind === 'status' && decision.error) continue;
      if (!this.fires(rule)) continue;
      if (rule.kind === 'latency') {
        decision.latencyMs += rule.ms;
        decision.names.push(`latency:${rule.ms}`);
      } else {
        decision.error = faultError(rule.status);
        decision.names.push(`status:${rule.status}`);
      }
    }
    return decision;
  }

  forWebhookBatch(kind: 'drop' | 'duplicate' | 'reorder'): boolean {
    const matching = this.rules.filter((rule) => rule.kind === kind);
    for (const rule of matching) rule.seen++;
    return matching.filter((rule) => this.fires(rule)).length > 0;
  }

  private fires(rule: FaultRule): boolean {
    if (rule.seen <= rule.skip) return false;
    if (rule.count !== undefined && rule.fired >= rule.count) return false;
    if (rule.probability !== undefined && this.random() >= rule.probability) return false;
    rule.fired++;
    return true;
  }
}

function faultError(status: number): HubSpotError {
  if (status === 429) return rateLimited('TEN_SECONDLY_ROLLING');
  if (status === 423) {
    return new HubSpotError(423, 'LOCKED', 'The resource is locked by another request; wait at least 2 seconds and retry.');
  }
  return new HubSpotError(status, 'INTERNAL_ERROR', 'Internal error (injected by the sandbox).');
}

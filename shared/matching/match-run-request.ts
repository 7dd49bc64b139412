import { z } from 'zod';
import { bigIdSchema } from '../sync-ops/paging.js';

/**
 * Below this a proposal is reported and left for a person: a name alone (NAME, 0.6) is not
 * enough to link sales' company to a customer without a look.
 */
export const DEFAULT_MIN_CONFIDENCE = 0.8;

export const minConfidenceSchema = z.number().min(0).max(1).multipleOf(0.01);

/**
 * A match run over every unlinked customer, as published on the reconcile request topic:
 * `{"match":true,"dryRun":true}`. A run that links must say `"dryRun":false`: onboarding a
 * portal by a typo is not undone by a redelivery.
 */
export const matchRequestSchema = z.strictObject({
  match: z.literal(true),
  dryRun: z.boolean().default(true),
  minConfidence: minConfidenceSchema.default(DEFAULT_MIN_CONFIDENCE),
});
export type MatchRequest = z.output<typeof matchRequestSchema>;

/** A run the sync API queued (a new run, or the apply of a reviewed report): the worker picks it up by id. */
export const queuedMatchRunSchema = z.strictObject({ matchRunId: bigIdSchema });

export const matchMessageSchema = z.union([matchRequestSchema, queuedMatchRunSchema]);
export type MatchMessage = z.output<typeof matchMessageSchema>;

/**
 * Where a run got to, saved with each step's work so a run that died resumes where it stopped:
 * LIST (HubSpot's `after` of the next page), MATCH, APPLY (last proposal id handled), DONE.
 */
export const matchCursorSchema = z.strictObject({
  pass: z.enum(['LIST', 'MATCH', 'APPLY', 'DONE']),
  after: z.string().nullable(),
});
export type MatchCursor = z.output<typeof matchCursorSchema>;

export const FIRST_PASS: MatchCursor = { pass: 'LIST', after: null };
export const APPLY_PASS: MatchCursor = { pass: 'APPLY', after: null };

export function parseMatchCursor(text: string): MatchCursor {
  return matchCursorSchema.parse(JSON.parse(text));
}

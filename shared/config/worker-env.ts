import { z } from 'zod';
import { DEFAULT_OUTBOX_TOPIC } from '../outbox/outbox-message.js';
import { hubspotConfigOf, hubspotEnvFields } from './hubspot-env.js';
import { envFields } from './parse-env.js';
import { runtimeConfigOf, runtimeEnvFields } from './runtime-env.js';

/** Env fields every sync worker (field-sync, outbox relay, hubspot-inbound, reconcile) reads. */
export const workerEnvFields = {
  ...runtimeEnvFields,
  // Terraform sets it to concurrency x 2: an invocation holds its transaction's connection while
  // the shared rate budget takes another.
  DATABASE_MAX_CONNECTIONS: z.coerce.number().int().min(2, 'must be at least 2 (a transaction and the rate budget)').max(100).default(5),
};

/**
 * FIELD_SYNC_CLAIM_LEASE_MS: a claim older than this was abandoned by a crashed worker and may be
 * taken again; the reconciliation reads it too, to tell a stranded claim from work in progress.
 */
export const claimLeaseField = z.coerce.number().int().min(1000).default(120_000);

/**
 * Env fields of the workers that read HubSpot and leave the writing to field-sync through RESYNC
 * rows (hubspot-inbound, reconcile). HUBSPOT_APP_ID among the HubSpot fields: a reconcile dry run
 * recognizes our own writes in HubSpot's history as field-sync does.
 */
export const hubspotReaderEnvFields = {
  ...workerEnvFields,
  ...hubspotEnvFields,
  /** Reads only: a token of the read-scoped private app (least privilege; field-sync alone writes). */
  HUBSPOT_READ_TOKEN: z.string(),
  /** Where the RESYNC requests they enqueue are published. */
  OUTBOX_TOPIC: envFields.topic(DEFAULT_OUTBOX_TOPIC),
};

/** The secrets of a HubSpot reader's config loader. */
export const hubspotReaderSecrets = ['DATABASE_URL', 'HUBSPOT_READ_TOKEN'] as const;

type HubspotReaderEnv = z.output<z.ZodObject<typeof hubspotReaderEnvFields>>;

export function hubspotReaderConfigOf(env: HubspotReaderEnv) {
  return { ...runtimeConfigOf(env), hubspot: hubspotConfigOf(env, env.HUBSPOT_READ_TOKEN), outboxTopic: env.OUTBOX_TOPIC };
}

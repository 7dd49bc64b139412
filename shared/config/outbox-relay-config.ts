import { z } from 'zod';
import { DEFAULT_OUTBOX_TOPIC } from '../outbox/outbox-message.js';
import { RETENTION_DEFAULTS, type RetentionPolicy } from '../retention/purge.js';
import { configLoader } from './load-config.js';
import { envFields } from './parse-env.js';
import { runtimeConfigOf } from './runtime-env.js';
import { DEFAULT_HUBSPOT_EVENTS_TOPIC } from './webhook-config.js';
import { workerEnvFields } from './worker-env.js';

const days = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

/** Settings of the outbox relay (functions/outbox-relay), read once per instance. */
const schema = z
  .object({
    ...workerEnvFields,
    /** Where unpublished and stuck outbox rows are republished: the field-sync worker's topic. */
    OUTBOX_TOPIC: envFields.topic(DEFAULT_OUTBOX_TOPIC),
    OUTBOX_RELAY_GRACE_MS: z.coerce.number().int().min(0).default(30_000),
    OUTBOX_RELAY_LIMIT: z.coerce.number().int().min(1).max(1000).default(500),
    /** Claimed-then-dropped or failed rows untouched this long are republished. */
    OUTBOX_RELAY_STUCK_MS: z.coerce.number().int().min(1000).default(60_000),
    /** Worker attempts after which the relay gives a change up (FAILED, CRITICAL) instead of resending it. */
    OUTBOX_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(20),
    /** The tick also republishes webhook events the intake stored but could not publish. */
    HUBSPOT_EVENTS_TOPIC: envFields.topic(DEFAULT_HUBSPOT_EVENTS_TOPIC),
    /** Younger events are left to the intake request that stored them (or to HubSpot's retry of it). */
    WEBHOOK_RELAY_GRACE_MS: z.coerce.number().int().min(0).default(60_000),
    WEBHOOK_RELAY_LIMIT: z.coerce.number().int().min(1).max(1000).default(500),
    /** Retention, purged by each tick (shared/retention/purge.ts): ages in days, batch size, time per tick. */
    RETENTION_SYNC_LOG_DAYS: days(RETENTION_DEFAULTS.syncLogDays),
    RETENTION_WEBHOOK_EVENT_DAYS: days(RETENTION_DEFAULTS.webhookEventDays),
    RETENTION_OUTBOX_DAYS: days(RETENTION_DEFAULTS.outboxDays),
    RETENTION_IDEMPOTENCY_KEY_DAYS: days(RETENTION_DEFAULTS.idempotencyKeyDays),
    RETENTION_BATCH_ROWS: z.coerce.number().int().min(100).max(50_000).default(RETENTION_DEFAULTS.batchRows),
    RETENTION_MAX_PASS_MS: z.coerce.number().int().min(0).max(60_000).default(RETENTION_DEFAULTS.maxPassMs),
  })
  .transform((env) => ({
    ...runtimeConfigOf(env),
    outboxTopic: env.OUTBOX_TOPIC,
    hubspotEventsTopic: env.HUBSPOT_EVENTS_TOPIC,
    relay: {
      graceMs: env.OUTBOX_RELAY_GRACE_MS,
      limit: env.OUTBOX_RELAY_LIMIT,
      stuckAfterMs: env.OUTBOX_RELAY_STUCK_MS,
      maxAttempts: env.OUTBOX_MAX_ATTEMPTS,
    },
    webhookRelay: { olderThanMs: env.WEBHOOK_RELAY_GRACE_MS, limit: env.WEBHOOK_RELAY_LIMIT },
    retention: {
      syncLogDays: env.RETENTION_SYNC_LOG_DAYS,
      webhookEventDays: env.RETENTION_WEBHOOK_EVENT_DAYS,
      outboxDays: env.RETENTION_OUTBOX_DAYS,
      idempotencyKeyDays: env.RETENTION_IDEMPOTENCY_KEY_DAYS,
      batchRows: env.RETENTION_BATCH_ROWS,
      maxPassMs: env.RETENTION_MAX_PASS_MS,
    } satisfies RetentionPolicy,
  }));

export type OutboxRelayConfig = z.output<typeof schema>;

export const loadOutboxRelayConfig = configLoader({ secrets: ['DATABASE_URL'], schema });

import { describe, expect, it } from 'vitest';
import { loadCustomerApiConfig } from '../../../shared/config/customer-api-config.js';
import { loadFieldSyncConfig } from '../../../shared/config/field-sync-config.js';
import { loadInboundConfig } from '../../../shared/config/inbound-config.js';
import { loadOutboxRelayConfig } from '../../../shared/config/outbox-relay-config.js';
import type { Env } from '../../../shared/config/parse-env.js';
import { loadReconcileConfig } from '../../../shared/config/reconcile-config.js';
import type { SecretReader } from '../../../shared/config/secrets.js';
import { loadWebhookConfig } from '../../../shared/config/webhook-config.js';
import { noSecretManager, problems, secretManager } from './config-test-support.js';

const URL = 'postgres://warp_sync:hunter2@10.0.0.5:5432/warp';
const RESOURCE = 'projects/warp-prod/secrets/database-url/versions/latest';

type Loader = (env: Env, reader: SecretReader) => Promise<unknown>;

/** Every function's loader, the least env it starts with, and the secrets it cannot start without. */
const FUNCTIONS: [string, Loader, Env, string[]][] = [
  ['customer-api', loadCustomerApiConfig, { DATABASE_URL: URL, JWT_SECRET: 'x'.repeat(32) }, ['DATABASE_URL']],
  [
    'hubspot-webhook',
    loadWebhookConfig,
    { DATABASE_URL: URL, HUBSPOT_CLIENT_SECRET: 'client-secret', WEBHOOK_PUBLIC_URL: 'https://hooks.warp.example/hubspot' },
    ['DATABASE_URL', 'HUBSPOT_CLIENT_SECRET'],
  ],
  ['field-sync', loadFieldSyncConfig, { DATABASE_URL: URL, HUBSPOT_ACCESS_TOKEN: 'pat-write' }, ['DATABASE_URL', 'HUBSPOT_ACCESS_TOKEN']],
  ['outbox-relay', loadOutboxRelayConfig, { DATABASE_URL: URL }, ['DATABASE_URL']],
  ['hubspot-inbound', loadInboundConfig, { DATABASE_URL: URL, HUBSPOT_READ_TOKEN: 'pat-read' }, ['DATABASE_URL', 'HUBSPOT_READ_TOKEN']],
  ['reconcile', loadReconcileConfig, { DATABASE_URL: URL, HUBSPOT_READ_TOKEN: 'pat-read' }, ['DATABASE_URL', 'HUBSPOT_READ_TOKEN']],
];

function without(env: Env, name: string): Env {
  return Object.fromEntries(Object.entries(env).filter(([key]) => key !== name));
}

// Every function resolves its secrets and reports its problems the same way (shared/config/load-config.ts).
describe.each(FUNCTIONS)('the %s config', (_name, load, env, secrets) => {
  it('starts with its least env', async () => {
    await expect(load(env, noSecretManager)).resolves.toBeDefined();
  });

  it.each(secrets)('refuses to start without %s, with a ConfigError naming it', async (secret) => {
    expect(await problems(() => load(without(env, secret), noSecretManager))).toEqual([`${secret}: is required (or ${secret}_SECRET)`]);
  });

  it.each(secrets)('reads %s from Secret Manager when NAME_SECRET names a version', async (secret) => {
    const resource = `projects/warp-prod/secrets/${secret.toLowerCase()}/versions/3`;
    const reader = secretManager({ [resource]: env[secret]! });
    await expect(load({ ...without(env, secret), [`${secret}_SECRET`]: resource }, reader)).resolves.toBeDefined();
    expect(reader.reads).toEqual([resource]);
  });

  it.each<[string, Env, string]>([
    ['not a postgres URL', { DATABASE_URL: 'mysql://root:hunter2@db/warp' }, 'DATABASE_URL: must be a postgres:// connection URL'],
    [
      'named by a bad resource',
      { DATABASE_URL_SECRET: 'database-url' },
      'DATABASE_URL_SECRET: DATABASE_URL_SECRET must be a Secret Manager resource name (projects/P/secrets/S/versions/V)',
    ],
  ])('refuses a DATABASE_URL %s, naming it and never the value', async (_case, bad, problem) => {
    const found = await problems(() => load({ ...without(env, 'DATABASE_URL'), ...bad }, noSecretManager));
    expect(found).toEqual([problem]);
    expect(found.join('\n')).not.toContain('hunter2');
  });

  it('names the unreadable secret when Secret Manager fails', async () => {
    expect(await problems(() => load({ ...without(env, 'DATABASE_URL'), DATABASE_URL_SECRET: RESOURCE }, secretManager({})))).toEqual([
      `DATABASE_URL_SECRET: secret ${RESOURCE} not found`,
    ]);
  });

  it('names a bad number, and reports the database URL together with every other bad variable', async () => {
    expect(await problems(() => load({ ...env, DATABASE_MAX_CONNECTIONS: 'many' }, noSecretManager))).toEqual([
      expect.stringMatching(/^DATABASE_MAX_CONNECTIONS: /),
    ]);
    const bad = { ...without(env, 'DATABASE_URL'), LOG_LEVEL: 'LOUD', DATABASE_MAX_CONNECTIONS: '0' };
    const found = await problems(() => load(bad, noSecretManager));
    expect(found.map((p) => p.split(':')[0]).sort()).toEqual(['DATABASE_MAX_CONNECTIONS', 'DATABASE_URL', 'LOG_LEVEL']);
  });
});

const runtime = { DATABASE_URL: URL, DATABASE_MAX_CONNECTIONS: '4', LOG_LEVEL: 'DEBUG', GOOGLE_CLOUD_PROJECT: 'warp-prod' };
const runtimeConfig = { databaseUrl: URL, database: { maxConnections: 4 }, logLevel: 'DEBUG', projectId: 'warp-prod' };
const hubspotEnv = { HUBSPOT_BASE_PATH: 'http://127.0.0.1:8090', HUBSPOT_BUDGET_KEY: 'prod', HUBSPOT_APP_ID: '1234567' };
const hubspotClient = expect.objectContaining({ basePath: 'http://127.0.0.1:8090', budget: expect.objectContaining({ key: 'prod' }) });

describe('the camelCase configs', () => {
  it('field-sync: the database, HubSpot access and the worker settings', async () => {
    const env = { ...runtime, ...hubspotEnv, HUBSPOT_ACCESS_TOKEN: 'pat-write', FIELD_SYNC_BATCH_CUSTOMERS: '50', WORKER_ID: 'w-1' };
    expect(await loadFieldSyncConfig(env, noSecretManager)).toEqual({
      ...runtimeConfig,
      hubspot: { accessToken: 'pat-write', appId: '1234567', client: hubspotClient },
      fieldSync: { workerId: 'w-1', batchCustomers: 50, claimLeaseMs: 120_000, retryDelayMs: 10_000, matchNewCustomers: true },
    });
  });

  it('outbox-relay: the topics, both relays and the retention policy', async () => {
    const topics = { OUTBOX_TOPIC: 'changes-b', HUBSPOT_EVENTS_TOPIC: 'events-b' };
    const env = { ...runtime, ...topics, WEBHOOK_RELAY_GRACE_MS: '5000', RETENTION_OUTBOX_DAYS: '7' };
    expect(await loadOutboxRelayConfig(env, noSecretManager)).toEqual({
      ...runtimeConfig,
      outboxTopic: 'changes-b',
      hubspotEventsTopic: 'events-b',
      relay: { graceMs: 30_000, limit: 500, stuckAfterMs: 60_000, maxAttempts: 20 },
      webhookRelay: { olderThanMs: 5000, limit: 500 },
      retention: { syncLogDays: 90, webhookEventDays: 30, outboxDays: 7, idempotencyKeyDays: 2, batchRows: 5000, maxPassMs: 10_000 },
    });
  });

  it('hubspot-inbound: HubSpot read access, the outbox topic and the dead-letter limit', async () => {
    const env = { ...runtime, ...hubspotEnv, HUBSPOT_READ_TOKEN: 'pat-read', INBOUND_MAX_ATTEMPTS: '7' };
    expect(await loadInboundConfig(env, noSecretManager)).toEqual({
      ...runtimeConfig,
      hubspot: { accessToken: 'pat-read', appId: '1234567', client: hubspotClient },
      outboxTopic: 'warp-customer-changes',
      inbound: { maxAttempts: 7 },
    });
  });

  it("reconcile: HubSpot read access, the outbox topic and the run settings (with field-sync's claim lease)", async () => {
    const settings = { RECONCILE_CHUNK_SIZE: '250', FIELD_SYNC_CLAIM_LEASE_MS: '90000' };
    const env = { ...runtime, ...hubspotEnv, HUBSPOT_READ_TOKEN: 'pat-read', ...settings };
    expect(await loadReconcileConfig(env, noSecretManager)).toEqual({
      ...runtimeConfig,
      hubspot: { accessToken: 'pat-read', appId: '1234567', client: hubspotClient },
      outboxTopic: 'warp-customer-changes',
      reconcile: { chunkSize: 250, overlapMs: 600_000, searchPageSize: 200, claimLeaseMs: 90_000 },
    });
  });

  it('hubspot-webhook: the database, the events topic and the intake settings', async () => {
    const env = { ...runtime, HUBSPOT_CLIENT_SECRET: 'client-secret', WEBHOOK_PUBLIC_URL: 'https://hooks.warp.example/hubspot' };
    expect(await loadWebhookConfig(env, noSecretManager)).toEqual({
      ...runtimeConfig,
      hubspotEventsTopic: 'hubspot-webhook-events',
      webhook: {
        clientSecret: 'client-secret',
        publicUrl: 'https://hooks.warp.example/hubspot',
        acceptedVersions: ['v3'],
        maxBodyBytes: 1024 * 1024,
      },
    });
  });
});

describe("the field-sync worker's HubSpot client", () => {
  const env = { DATABASE_URL: URL, HUBSPOT_ACCESS_TOKEN: 'pat-write' };

  it('batches 100 customers by default (one HubSpot batch update), and no more', async () => {
    expect((await loadFieldSyncConfig(env, noSecretManager)).fieldSync.batchCustomers).toBe(100);
    expect(await problems(() => loadFieldSyncConfig({ ...env, FIELD_SYNC_BATCH_CUSTOMERS: '101' }, noSecretManager))).toEqual([
      expect.stringMatching(/^FIELD_SYNC_BATCH_CUSTOMERS: /),
    ]);
  });

  it("gets the rate budget's limit, window and guard, leaving unset ones to its defaults", async () => {
    const config = await loadFieldSyncConfig({ ...env, HUBSPOT_RATE_MAX_PER_WINDOW: '190', HUBSPOT_RATE_GUARD_MS: '0' }, noSecretManager);
    expect(config.hubspot.client.budget).toMatchObject({ maxPerWindow: 190, guardMs: 0, windowMs: undefined });
  });

  it("parks on HubSpot's daily limit until midnight in the account's time zone (UTC unless set); refuses an unknown zone", async () => {
    expect((await loadFieldSyncConfig(env, noSecretManager)).hubspot.client.retry.accountTimeZone).toBe('UTC');
    const set = await loadFieldSyncConfig({ ...env, HUBSPOT_ACCOUNT_TIME_ZONE: 'America/Chicago' }, noSecretManager);
    expect(set.hubspot.client.retry.accountTimeZone).toBe('America/Chicago');
    const found = await problems(() => loadFieldSyncConfig({ ...env, HUBSPOT_ACCOUNT_TIME_ZONE: 'Mars/Olympus' }, noSecretManager));
    expect(found).toEqual([expect.stringMatching(/^HUBSPOT_ACCOUNT_TIME_ZONE: must be an IANA time zone/)]);
  });
});

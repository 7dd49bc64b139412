import { describe, expect, it } from 'vitest';
import { loadFieldSyncConfig } from '../../../shared/config/field-sync-config.js';
import { loadInboundConfig } from '../../../shared/config/inbound-config.js';
import { hubspotClientConfigFromEnv } from '../../../shared/hubspot/client/config.js';
import { ConfigError, type Env } from '../../../shared/config/parse-env.js';
import { requireSecret, type SecretReader } from '../../../shared/config/secrets.js';

const URL = 'postgres://warp_sync:hunter2@10.0.0.5:5432/warp';
const RESOURCE = 'projects/warp-prod/secrets/database-url/versions/latest';

const noSecretManager: SecretReader = { read: () => Promise.reject(new Error('Secret Manager is not used here')) };
const secretManager = (values: Record<string, string>): SecretReader & { reads: string[] } => {
  const reads: string[] = [];
  return {
    reads,
    read: async (name) => {
      reads.push(name);
      const value = values[name];
      if (value === undefined) throw new Error(`secret ${name} not found`);
      return value;
    },
  };
};

async function problems(load: () => Promise<unknown>): Promise<string[]> {
  const err = await load().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return (err as ConfigError).problems;
}

// The field-sync worker, the outbox relay (same loader) and the inbound processor resolve
// DATABASE_URL as the customer API and the webhook intake do: DATABASE_URL_SECRET first.
describe.each([
  ['loadFieldSyncConfig', loadFieldSyncConfig],
  ['loadInboundConfig', loadInboundConfig],
] as const)('%s', (_name, load) => {
  it('takes DATABASE_URL from the env locally', async () => {
    expect((await load({ DATABASE_URL: URL }, noSecretManager)).DATABASE_URL).toBe(URL);
  });

  it('reads it from Secret Manager when DATABASE_URL_SECRET names a version, ahead of DATABASE_URL', async () => {
    const reader = secretManager({ [RESOURCE]: URL });
    const config = await load({ DATABASE_URL_SECRET: RESOURCE, DATABASE_URL: 'postgres://ignored/x' }, reader);
    expect(config.DATABASE_URL).toBe(URL);
    expect(reader.reads).toEqual([RESOURCE]);
  });

  it.each<[string, Env, string]>([
    ['missing', {}, 'DATABASE_URL: is required (or DATABASE_URL_SECRET)'],
    ['not a postgres URL', { DATABASE_URL: 'mysql://root:hunter2@db/warp' }, 'DATABASE_URL: must be a postgres:// connection URL'],
    ['named by a bad resource', { DATABASE_URL_SECRET: 'database-url' }, 'DATABASE_URL_SECRET: DATABASE_URL_SECRET must be a Secret Manager resource name (projects/P/secrets/S/versions/V)'],
  ])('refuses a DATABASE_URL %s with a ConfigError naming it, never the value', async (_case, env, problem) => {
    const found = await problems(() => load(env, noSecretManager));
    expect(found).toEqual([problem]);
    expect(found.join('\n')).not.toContain('hunter2');
  });

  it('names the unreadable secret when Secret Manager fails', async () => {
    expect(await problems(() => load({ DATABASE_URL_SECRET: RESOURCE }, secretManager({})))).toEqual([
      `DATABASE_URL_SECRET: secret ${RESOURCE} not found`,
    ]);
  });

  it('reports the database URL together with every other bad variable', async () => {
    const found = await problems(() => load({ LOG_LEVEL: 'LOUD', DATABASE_MAX_CONNECTIONS: '1' }, noSecretManager));
    expect(found.map((p) => p.split(':')[0]).sort()).toEqual(['DATABASE_MAX_CONNECTIONS', 'DATABASE_URL', 'LOG_LEVEL']);
  });
});

describe('loadFieldSyncConfig for the relay tick', () => {
  it('republishes webhook events to hubspot-webhook-events after a minute by default', async () => {
    expect(await loadFieldSyncConfig({ DATABASE_URL: URL }, noSecretManager)).toMatchObject({
      OUTBOX_TOPIC: 'warp-customer-changes',
      HUBSPOT_EVENTS_TOPIC: 'hubspot-webhook-events',
      WEBHOOK_RELAY_GRACE_MS: 60_000,
      WEBHOOK_RELAY_LIMIT: 500,
    });
  });

  it('takes the webhook topic and grace period from the env', async () => {
    const config = await loadFieldSyncConfig({ DATABASE_URL: URL, HUBSPOT_EVENTS_TOPIC: 'events-b', WEBHOOK_RELAY_GRACE_MS: '5000' }, noSecretManager);
    expect(config).toMatchObject({ HUBSPOT_EVENTS_TOPIC: 'events-b', WEBHOOK_RELAY_GRACE_MS: 5000 });
  });
});

describe('loadFieldSyncConfig for the outbound worker', () => {
  it('batches 100 customers by default (one HubSpot batch update), and no more', async () => {
    expect((await loadFieldSyncConfig({ DATABASE_URL: URL }, noSecretManager)).FIELD_SYNC_BATCH_CUSTOMERS).toBe(100);
    expect(await problems(() => loadFieldSyncConfig({ DATABASE_URL: URL, FIELD_SYNC_BATCH_CUSTOMERS: '101' }, noSecretManager))).toHaveLength(1);
  });

  it('hands the rate budget\'s limit, window and guard to the HubSpot client, leaving unset ones to its defaults', async () => {
    const env = { DATABASE_URL: URL, HUBSPOT_RATE_MAX_PER_WINDOW: '190', HUBSPOT_RATE_GUARD_MS: '0' };
    const { budget } = hubspotClientConfigFromEnv(await loadFieldSyncConfig(env, noSecretManager));
    expect(budget).toMatchObject({ maxPerWindow: 190, guardMs: 0, windowMs: undefined });
  });

  it("parks on HubSpot's daily limit until midnight in the account's time zone, UTC unless set; a zone Intl does not know is refused by name", async () => {
    expect(hubspotClientConfigFromEnv(await loadFieldSyncConfig({ DATABASE_URL: URL }, noSecretManager)).retry.accountTimeZone).toBe('UTC');
    const set = await loadFieldSyncConfig({ DATABASE_URL: URL, HUBSPOT_ACCOUNT_TIME_ZONE: 'America/Chicago' }, noSecretManager);
    expect(hubspotClientConfigFromEnv(set).retry.accountTimeZone).toBe('America/Chicago');
    const found = await problems(() => loadFieldSyncConfig({ DATABASE_URL: URL, HUBSPOT_ACCOUNT_TIME_ZONE: 'Mars/Olympus' }, noSecretManager));
    expect(found).toEqual([expect.stringMatching(/^HUBSPOT_ACCOUNT_TIME_ZONE: must be an IANA time zone/)]);
  });

  it('stops a worker without its HubSpot token with a ConfigError naming the variable', async () => {
    expect(await problems(() => requireSecret({}, 'HUBSPOT_READ_TOKEN', noSecretManager))).toEqual([
      'HUBSPOT_READ_TOKEN: required (or HUBSPOT_READ_TOKEN_SECRET naming a Secret Manager version)',
    ]);
    expect(await requireSecret({ HUBSPOT_READ_TOKEN_SECRET: RESOURCE }, 'HUBSPOT_READ_TOKEN', secretManager({ [RESOURCE]: 'pat-read' }))).toBe('pat-read');
  });
});

import { describe, expect, it } from 'vitest';
import { loadReconcileConfig } from '../../../shared/config/reconcile-config.js';
import { ConfigError } from '../../../shared/config/parse-env.js';
import type { SecretReader } from '../../../shared/config/secrets.js';

const URL = 'postgres://warp_sync:example@10.0.0.5:5432/warp';
const noSecretManager: SecretReader = { read: () => Promise.reject(new Error('Secret Manager is not used here')) };

describe('loadReconcileConfig', () => {
  it('defaults: chunks of 1,000 customers, 10 minutes of overlap, search pages of 200, the outbox topic', async () => {
    expect(await loadReconcileConfig({ DATABASE_URL: URL, HUBSPOT_READ_TOKEN: 'pat-read' }, noSecretManager)).toMatchObject({
      databaseUrl: URL,
      reconcile: { chunkSize: 1000, overlapMs: 600_000, searchPageSize: 200 },
      outboxTopic: 'warp-customer-changes',
    });
  });

  it('names every bad variable, and a missing DATABASE_URL', async () => {
    const err = await loadReconcileConfig(
      { RECONCILE_CHUNK_SIZE: '0', RECONCILE_SEARCH_PAGE_SIZE: '500', RECONCILE_OVERLAP_MS: '-1' },
      noSecretManager,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    for (const name of ['RECONCILE_CHUNK_SIZE', 'RECONCILE_SEARCH_PAGE_SIZE', 'RECONCILE_OVERLAP_MS', 'DATABASE_URL'])
      expect(problems).toContain(name);
  });
});

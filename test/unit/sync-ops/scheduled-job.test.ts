import { describe, expect, it } from 'vitest';
import { loadCustomerApiConfig } from '../../../shared/config/customer-api-config.js';
import { ConfigError } from '../../../shared/config/parse-env.js';
import type { SecretReader } from '../../../shared/config/secrets.js';
import { cloudSchedulerJobReader } from '../../../shared/sync-ops/scheduled-job.js';

const JOB = 'projects/warp/locations/us-central1/jobs/warp-sync-daily-reconciliation';

function fakeClient(answers: Array<() => unknown>) {
  const names: string[] = [];
  return {
    names,
    client: {
      getJob: (async (request: { name: string }) => {
        names.push(request.name);
        return [answers.shift()!()];
      }) as never,
    },
  };
}

describe('cloudSchedulerJobReader', () => {
  it('reads schedule, state, last attempt and next run, once a minute at most', async () => {
    const { client, names } = fakeClient([
      () => ({
        name: JOB,
        schedule: '0 3 * * *',
        timeZone: 'Etc/UTC',
        state: 'ENABLED',
        lastAttemptTime: { seconds: '1764817200', nanos: 5e8 },
        scheduleTime: { seconds: 1764903600 },
      }),
    ]);
    const reader = cloudSchedulerJobReader(JOB, client);
    const job = await reader.read();
    expect(job).toEqual({
      name: JOB,
      schedule: '0 3 * * *',
      timeZone: 'Etc/UTC',
      state: 'ENABLED',
      lastAttemptTime: '2025-12-04T03:00:00.500Z',
      scheduleTime: '2025-12-05T03:00:00.000Z',
    });
    expect(await reader.read()).toBe(job);
    expect(names).toEqual([JOB]);
  });

  it('names a numeric state and keeps missing times null; a failed read is asked again', async () => {
    const { client, names } = fakeClient([
      () => {
        throw new Error('UNAVAILABLE');
      },
      () => ({ state: 2 }),
    ]);
    const reader = cloudSchedulerJobReader(JOB, client);
    await expect(reader.read()).rejects.toThrow('UNAVAILABLE');
    expect(await reader.read()).toEqual({
      name: JOB,
      schedule: null,
      timeZone: null,
      state: 'PAUSED',
      lastAttemptTime: null,
      scheduleTime: null,
    });
    expect(names).toHaveLength(2);
  });
});

describe('the customer API config for the sync operations', () => {
  const noSecrets: SecretReader = { read: async () => Promise.reject(new Error('no Secret Manager in this test')) };
  const base = { DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/warp', JWT_SECRET: 'a-jwt-secret-that-is-at-least-32-bytes-long' };

  it("has no scheduler job and the clients' default budget unless told", async () => {
    const config = await loadCustomerApiConfig(base, noSecrets);
    expect(config.reconcileSchedulerJob).toBeUndefined();
    expect(config.rateBudget).toEqual({ key: 'default', maxPerWindow: 100, windowMs: 10_000 });
    expect(config.hubspotEventsTopic).toBe('hubspot-webhook-events');
  });

  it('takes a full job name and the budget variables', async () => {
    const config = await loadCustomerApiConfig(
      { ...base, RECONCILE_SCHEDULER_JOB: JOB, HUBSPOT_BUDGET_KEY: 'prod', HUBSPOT_RATE_MAX_PER_WINDOW: '190' },
      noSecrets,
    );
    expect(config.reconcileSchedulerJob).toBe(JOB);
    expect(config.rateBudget).toEqual({ key: 'prod', maxPerWindow: 190, windowMs: 10_000 });
  });

  it('refuses a bare job id with a ConfigError naming the variable', async () => {
    const err = await loadCustomerApiConfig({ ...base, RECONCILE_SCHEDULER_JOB: 'warp-sync-daily-reconciliation' }, noSecrets).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual(['RECONCILE_SCHEDULER_JOB: must be projects/<project>/locations/<region>/jobs/<job>']);
  });
});

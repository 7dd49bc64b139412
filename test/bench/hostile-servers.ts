/**
 * The two HTTP functions the hostile bench attacks, in a process of their own so that its
 * peak RSS is theirs alone, not the load generator's. Prints one JSON line with both URLs,
 * then serves until stdin closes (the parent ended, however it ended).
 *   DATABASE_URL=… node --import tsx test/bench/hostile-servers.ts
 */
import { z } from 'zod';
import { createHubspotWebhook } from '../../functions/hubspot-webhook/handler.js';
import { createDb } from '../../shared/db/database.js';
import { AppError } from '../../shared/errors/app-error.js';
import { createLogger } from '../../shared/logging/logger.js';
import { startCustomerApi } from '../integration/customer-api/support.js';
import type { TestDatabase } from '../support/test-database.js';
import { systemClock } from '../../shared/runtime/clock.js';
import { serveHttpFunction } from '../../dev/local/serve-http-function.js';

const BENCH_TOKEN = 'bench';
const BENCH_CLIENT_SECRET = 'bench-secret';
const MiB = 1024 * 1024;

const env = z.object({ DATABASE_URL: z.string().min(1) }).parse(process.env);
const db = createDb({ connectionString: env.DATABASE_URL, maxConnections: 10 });
const api = await startCustomerApi({ db } as TestDatabase, {
  authenticator: {
    async authenticate(headers) {
      // Given every Authorization header the request carried: exactly one is accepted.
      if (String(headers.authorization) !== `Bearer ${BENCH_TOKEN}`) throw new AppError('UNAUTHORIZED', 'Missing or invalid access token');
      return {
        userId: '11111111-1111-4111-8111-111111111111',
        email: 'bench@local',
        userType: 'superAdmin',
        permissions: ['*'],
        customerScope: { kind: 'ALL' },
      };
    },
  },
});
const logger = createLogger({ level: 'ERROR', sink: (line) => process.stderr.write(line + '\n') });
const intake = createHubspotWebhook(
  async () => ({
    db,
    // Nothing hostile gets as far as publishing.
    publisher: { publishBatch: async () => [], close: async () => undefined },
    logger,
    clientSecret: BENCH_CLIENT_SECRET,
    publicUrl: 'https://hooks.warp.example/hubspot/webhook',
    acceptedVersions: ['v3'],
    topic: 'unused',
    maxBodyBytes: MiB,
    now: systemClock,
  }),
  logger,
);
// As deployed: the hooks are on the framework's server before its first request.
const webhook = await serveHttpFunction(intake.handle, { hooks: intake.frameworkHooks });

process.stdout.write(JSON.stringify({ api: api.url, webhook: webhook.url }) + '\n');
process.stdin.resume();
process.stdin.on('close', () => {
  void Promise.allSettled([api.close(), webhook.close(), db.destroy()]).then(() => process.exit(0));
});

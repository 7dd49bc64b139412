/**
 * `npm run hubspot:setup`: creates the `warp` property group and the WARP
 * company properties, idempotently. Targets the local sandbox unless
 * HUBSPOT_ACCESS_TOKEN is set (then HUBSPOT_BASE_PATH, default api.hubapi.com).
 */
import { Client } from '@hubspot/api-client';
import { z } from 'zod';
import { SANDBOX_DEFAULTS } from './hubspot-sandbox/options.js';
import { ensureCompanyProperties } from '../shared/hubspot/ensure-properties.js';
import { createLogger } from '../shared/logging/logger.js';

const env = z
  .object({
    HUBSPOT_ACCESS_TOKEN: z.string().min(1).optional(),
    HUBSPOT_BASE_PATH: z.string().url().default('https://api.hubapi.com'),
    HUBSPOT_SANDBOX_PORT: z.coerce.number().int().min(1).max(65535).default(8090),
    HUBSPOT_SANDBOX_TOKEN: z.string().min(1).default(SANDBOX_DEFAULTS.token),
  })
  .parse(process.env);

const target = env.HUBSPOT_ACCESS_TOKEN
  ? { accessToken: env.HUBSPOT_ACCESS_TOKEN, basePath: env.HUBSPOT_BASE_PATH, label: `HubSpot at ${env.HUBSPOT_BASE_PATH}` }
  : { accessToken: env.HUBSPOT_SANDBOX_TOKEN, basePath: `http://127.0.0.1:${env.HUBSPOT_SANDBOX_PORT}`, label: 'the local sandbox' };

console.log(`Setting up WARP company properties in ${target.label} (${target.basePath})`);
const client = new Client({ accessToken: target.accessToken, basePath: target.basePath });
try {
  const result = await ensureCompanyProperties(client, createLogger({ level: 'WARNING' }));
  console.log(`created: ${result.created.join(', ') || '(none)'}`);
  console.log(`updated: ${result.updated.join(', ') || '(none)'}`);
  console.log(`found:   ${result.found.join(', ') || '(none)'}`);
} catch (err) {
  const code = (err as { code?: number }).code;
  console.error(`setup failed${code ? ` (HTTP ${code})` : ''}: ${(err as Error).message}`);
  process.exitCode = 1;
}

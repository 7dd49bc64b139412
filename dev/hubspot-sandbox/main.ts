/**
 * `npm run sandbox`: a HubSpot sandbox on HUBSPOT_SANDBOX_PORT (8090) until Ctrl-C.
 * `-- --seed-portal 5000 [--seed 1] [--customers-out file.json]` loads a hand-filled portal
 * (portal-generator.ts) and can write the WARP customers it mirrors.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { generatePortal } from './portal-generator.js';
import { SANDBOX_DEFAULTS } from './options.js';
import { startSandbox } from './sandbox.js';

const args = z
  .object({
    'seed-portal': z.coerce.number().int().positive().optional(),
    seed: z.coerce.number().int().default(1),
    'customers-out': z.string().min(1).optional(),
  })
  .parse(
    parseArgs({
      options: { 'seed-portal': { type: 'string' }, seed: { type: 'string' }, 'customers-out': { type: 'string' } },
    }).values,
  );

const env = z
  .object({
    HUBSPOT_SANDBOX_PORT: z.coerce.number().int().min(0).max(65535).default(8090),
    HUBSPOT_SANDBOX_TOKEN: z.string().min(1).default(SANDBOX_DEFAULTS.token),
    HUBSPOT_SANDBOX_WEBHOOK_URL: z.string().url().optional(),
    HUBSPOT_SANDBOX_CLIENT_SECRET: z.string().min(1).optional(),
    HUBSPOT_SANDBOX_SIGNATURE_VERSIONS: z
      .string()
      .default('v3')
      .transform((s) => s.split(',').map((v) => v.trim()))
      .pipe(z.array(z.enum(['v1', 'v2', 'v3'])).min(1)),
    HUBSPOT_SANDBOX_SEARCH_LAG_MS: z.coerce.number().int().min(0).default(0),
  })
  .parse(process.env);

const sandbox = await startSandbox({
  port: env.HUBSPOT_SANDBOX_PORT,
  token: env.HUBSPOT_SANDBOX_TOKEN,
  searchIndexLagMs: env.HUBSPOT_SANDBOX_SEARCH_LAG_MS,
  webhooks: {
    targetUrl: env.HUBSPOT_SANDBOX_WEBHOOK_URL,
    clientSecret: env.HUBSPOT_SANDBOX_CLIENT_SECRET,
    signatureVersions: env.HUBSPOT_SANDBOX_SIGNATURE_VERSIONS,
  },
});

console.log(`HubSpot sandbox listening on ${sandbox.url}`);
if (args['seed-portal'] !== undefined) {
  const portal = generatePortal(args['seed-portal'], args.seed);
  // In slices, to stay well under the sandbox's body limit.
  for (let i = 0; i < portal.companies.length; i += 1000) await sandbox.control.seed(portal.companies.slice(i, i + 1000));
  console.log(`  seeded ${portal.companies.length} companies (seed ${args.seed}) mirroring ${portal.customers.length} WARP customers`);
  if (args['customers-out'] !== undefined) {
    writeFileSync(args['customers-out'], JSON.stringify(portal.customers, null, 2));
    console.log(`  WARP customers written to ${args['customers-out']}`);
  }
}
console.log(`  port ${sandbox.port}; private-app token: ${sandbox.token} (HUBSPOT_SANDBOX_TOKEN)`);
console.log(
  `  webhooks: ${env.HUBSPOT_SANDBOX_WEBHOOK_URL ?? 'off (set HUBSPOT_SANDBOX_WEBHOOK_URL)'}; control API: ${sandbox.url}/_sandbox/health`,
);

const stop = () => {
  void sandbox.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

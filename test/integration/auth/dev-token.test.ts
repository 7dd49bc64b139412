import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_CUSTOMERS, SEED_USERS, seedDemoData } from '../../../dev/local/seed.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';

const SCRIPT = fileURLToPath(new URL('../../../dev/token.ts', import.meta.url));
const run = promisify(execFile);

/** `npm run token` as a user runs it (its own process: the script exits with its code). */
async function token(args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', SCRIPT, ...args], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('npm run token -- --customer', () => {
  let t: TestDatabase;

  beforeAll(async () => {
    t = await createTestDatabase();
    await seedDemoData(t.db);
  });
  afterAll(() => t.destroy());

  it('grants the customer in DATABASE_URL and prints only the token on stdout', async () => {
    const customerId = SEED_CUSTOMERS[2].id;
    const result = await token(['--user-type', 'customer_admin', '--customer', customerId], { DATABASE_URL: t.url });
    expect(result.stderr).toContain(`Granted customer ${customerId}`);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const grants = await t.db
      .selectFrom('user_customer_access')
      .select('customer_id')
      .where('user_id', '=', SEED_USERS.customer_admin.userId)
      .where('customer_id', '=', customerId)
      .execute();
    expect(grants).toHaveLength(1);
  });

  it('refuses a customer that database does not hold (exit code 2, no token)', async () => {
    const result = await token(['--user-type', 'customer_admin', '--customer', '00000000-0000-4000-8000-0000000000ff'], {
      DATABASE_URL: t.url,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/No customer 00000000-0000-4000-8000-0000000000ff/);
    expect(result.stdout).toBe('');
  });
});

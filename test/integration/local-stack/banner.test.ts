import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoData } from '../../../dev/local/seed.js';
import { customerApi, type RunningService, type StackContext } from '../../../dev/local/stack.js';
import { freePort } from '../../support/free-port.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';

const README = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

describe('the customer API banner of npm start', () => {
  let t: TestDatabase;
  let running: RunningService;
  let ctx: StackContext;

  beforeAll(async () => {
    t = await createTestDatabase();
    // The token is the seeded superAdmin's, whose permissions live in the database.
    await seedDemoData(t.db);
    ctx = { env: { PORT: String(await freePort()), LOG_LEVEL: 'WARNING' }, databaseUrl: t.url, urls: {} };
    running = await customerApi.start(ctx);
  });
  afterAll(async () => {
    await running.stop();
    await t.destroy();
  });

  it('prints export lines for TOKEN and API that work as pasted', async () => {
    const banner = running.banner ?? [];
    const token = banner.find((l) => l.startsWith('export TOKEN='))?.slice('export TOKEN='.length) ?? '';
    expect(banner).toContain(`export API=${ctx.urls.customerApi}/v1`);
    const res = await fetch(`${ctx.urls.customerApi}/v1/customers`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
  });

  it('is quoted in README exactly, but for the token and the port', () => {
    const quoted = /The banner `npm start` prints includes these lines[^\n]*\n[^\n]*\n\n```\n([\s\S]*?)\n```/.exec(README)?.[1];
    expect(quoted).toBeDefined();
    const printed = (running.banner ?? [])
      .join('\n')
      .replace(/^export TOKEN=.*$/m, 'export TOKEN=<token>')
      .replaceAll(ctx.urls.customerApi ?? '', 'http://127.0.0.1:8080');
    expect(printed).toContain(quoted);
  });
});

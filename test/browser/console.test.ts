import { mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { waitFor } from '../support/wait-for.js';
import { customerInConflict, failures, linkedCustomer, startConsoleStack, type ConsoleStack } from './console-stack.js';

const ARTIFACTS = 'test/artifacts';

/** What page.evaluate runs sees: the browser's storage (the tests' own lib has no DOM). */
declare const sessionStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void };
declare const localStorage: { length: number };

describe('the operator console in Chromium, against the real stack', () => {
  let s: ConsoleStack;
  let page: Page;
  let conflicted: Awaited<ReturnType<typeof customerInConflict>>;

  const screenshot = (name: string) => page.screenshot({ path: `${ARTIFACTS}/console-${name}.png`, fullPage: true });
  const heading = (name: string) => page.getByRole('heading', { level: 1, name });

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    s = await startConsoleStack();
    conflicted = await customerInConflict(s, 'Console Conflict');
    page = await s.browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(15_000);
  }, 90_000);
  afterAll(() => s?.close());

  it('asks for a token, refuses a bad one with a prompt, and signs in with the banner token', async () => {
    await page.goto(s.consoleUrl);
    await heading('Sign in').waitFor();
    await page.getByLabel('Access token').fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText(/The token was refused \(401/).waitFor();
    await page.getByLabel('Access token').fill(s.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await heading('Health').waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('warp-console-token'))).toBe(s.token);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
  });

  it('shows health: the verdict, its figures and the activity chart', async () => {
    await page.getByRole('heading', { level: 2, name: /Healthy|Needs attention/ }).waitFor();
    await expect(page.getByText('Open conflicts').locator('..').textContent()).resolves.toContain('1');
    expect(await page.locator('svg.chart rect.bar').count()).toBeGreaterThan(0);
    await screenshot('health');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot('health-phone');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('finds a customer and shows its fields side by side, its log, and queues a resync', async () => {
    await page.getByRole('link', { name: 'Customer' }).click();
    await page.getByLabel('Find a customer').fill(conflicted.ban);
    await page.getByLabel('Find a customer').press('Enter');
    await page.getByRole('link', { name: 'Console Conflict' }).click();
    await heading('Console Conflict').waitFor();
    const row = page.getByRole('row', { name: /legal_name/ });
    await expect(row.textContent()).resolves.toContain('Console Conflict Corp (WARP)');
    await expect(row.textContent()).resolves.toContain('Console Conflict Inc (HubSpot)');
    await page.locator('.timeline li').first().waitFor();
    await screenshot('customer');
    await page.getByRole('button', { name: 'Resync now' }).click();
    await page.getByText(/Resync queued \(outbox row \d+\)/).waitFor();
    await waitFor(async () => {
      const done = await s.h.sync.database.db
        .selectFrom('hubspot_sync_queue')
        .select('status')
        .where('customer_id', '=', conflicted.id)
        .where('operation', '=', 'RESYNC')
        .execute();
      return done.length > 0 && done.every((r) => r.status === 'DONE');
    }, 'the resync to run');
  });

  it('lists the MANUAL conflict, resolves it with one click, and the value reaches the sandbox', async () => {
    await page.getByRole('link', { name: 'Conflicts' }).click();
    const card = page.getByRole('article').filter({ hasText: 'Console Conflict' });
    await card.getByText('Console Conflict Corp (WARP)').waitFor();
    await card.getByText('Console Conflict Inc (HubSpot)').waitFor();
    await screenshot('conflicts');
    await card.getByRole('button', { name: 'Keep WARP value' }).click();
    await card.getByText(/Settled: both WARP and HubSpot hold “Console Conflict Corp \(WARP\)”/).waitFor({ timeout: 30_000 });
    await screenshot('conflict-resolved');
    const company = await s.h.sync.sandbox.control.company(conflicted.companyId);
    expect(company.properties.warp_legal_name).toBe('Console Conflict Corp (WARP)');
    await page.getByRole('link', { name: 'Conflicts' }).click();
    await page.getByText('No open conflicts.').waitFor();
  });

  it('starts a dry run, follows it, and reads its report filtered by decision', async () => {
    await page.getByRole('link', { name: 'Reconciliation' }).click();
    await page.getByRole('button', { name: 'Start a dry run' }).click();
    await page.getByRole('heading', { level: 2, name: 'Report' }).waitFor({ timeout: 30_000 });
    await page.getByText(/Dry run succeeded: \d+ checked/).waitFor();
    expect(await page.locator('table.diff tbody tr').count()).toBeGreaterThan(0);
    await page.getByLabel('Show').selectOption('none');
    await page.getByRole('table').getByText('with decision none').waitFor();
    const decisions = await page.locator('table.diff tbody tr td:nth-child(5)').allTextContents();
    expect(decisions.length).toBeGreaterThan(0);
    expect(new Set(decisions)).toEqual(new Set(['none']));
    await screenshot('reconciliation');
  });

  it('lists failures with their reasons and retries the chosen ones only', async () => {
    const { eventId, outboxId } = await failures(s, conflicted.id);
    await page.getByRole('link', { name: 'Failures' }).click();
    await page.getByText('company 999001 is not linked to any customer').waitFor();
    await page.getByText('HubSpot refused the value').waitFor();
    await screenshot('failures');
    await page.getByLabel(`Retry webhook event ${eventId}`).check();
    await page.getByRole('button', { name: 'Retry chosen' }).click();
    await page.getByText(/Put back to work: 0 outbox rows and 1 webhook events/).waitFor();
    const db = s.h.sync.database.db;
    expect(
      (await db.selectFrom('hubspot_webhook_events').select('status').where('id', '=', eventId).executeTakeFirstOrThrow()).status,
    ).toBe('RECEIVED');
    expect((await db.selectFrom('hubspot_sync_queue').select('status').where('id', '=', outboxId).executeTakeFirstOrThrow()).status).toBe(
      'FAILED',
    );
  });

  it('unlinks a customer, then links it by hand to a company sales made: differences listed, warp_ban stamped', async () => {
    const customer = await linkedCustomer(s, 'Console Link');
    const sandbox = s.h.sync.sandbox.control;
    const [handmade] = await sandbox.seed([
      { name: 'Console Handmade Works', domain: 'console-handmade.example', city: 'Leeds', country: 'GB' },
    ]);
    const db = s.h.sync.database.db;
    const row = () =>
      db
        .selectFrom('customers')
        .select(['hubspot_link_status', 'hubspot_company_id'])
        .where('id', '=', customer.id)
        .executeTakeFirstOrThrow();

    await page.getByRole('link', { name: 'Customer' }).click();
    await page.getByLabel('Find a customer').fill(customer.ban);
    await page.getByLabel('Find a customer').press('Enter');
    await page.getByRole('link', { name: 'Console Link' }).click();
    await heading('Console Link').waitFor();
    const section = page.getByRole('region', { name: 'HubSpot company' });
    await section.getByText(`Status LINKED · company ${customer.companyId}`).waitFor();

    // Unlink asks first; Cancel leaves the link alone.
    await section.getByRole('button', { name: 'Unlink', exact: true }).click();
    await section.getByRole('button', { name: 'Cancel' }).click();
    await section.getByRole('button', { name: 'Unlink', exact: true }).click();
    await section.getByRole('button', { name: 'Confirm unlink' }).click();
    await section.getByText(/Status DETACHED/).waitFor();
    await section.getByText('Status DETACHED · no company').waitFor({ timeout: 30_000 });
    await section.getByText(`Unlinked: the sync cleared warp_ban on HubSpot company ${customer.companyId}`).waitFor();
    await expect(page.getByText('HubSpot link', { exact: true }).locator('..').textContent()).resolves.toContain('DETACHED no company');
    expect(await row()).toEqual({ hubspot_link_status: 'DETACHED', hubspot_company_id: null });
    expect((await sandbox.company(customer.companyId)).properties.warp_ban ?? '').toBe('');

    // A company another customer holds cannot be chosen.
    await section.getByLabel('Search HubSpot companies').fill('Console Conflict');
    await section.getByLabel('Search HubSpot companies').press('Enter');
    const held = section.getByRole('listitem').filter({ hasText: conflicted.companyId });
    await held.getByText(`linked to customer ${conflicted.id}`).waitFor();
    expect(await held.getByRole('button', { name: /^Link to/ }).isDisabled()).toBe(true);

    await section.getByLabel('Search HubSpot companies').fill('Handmade');
    await section.getByLabel('Search HubSpot companies').press('Enter');
    const candidate = section.getByRole('listitem').filter({ hasText: 'Console Handmade Works' });
    await candidate.waitFor();
    await expect(candidate.textContent()).resolves.toContain('console-handmade.example · Leeds, GB');
    await candidate.getByRole('button', { name: 'Link to Console Handmade Works' }).click();
    await section.getByText(new RegExp(`Linked to HubSpot company ${handmade}; outbox row \\d+ stamps warp_ban on it`)).waitFor();
    await section.getByText(`Status LINKED · company ${handmade}`).waitFor();
    await expect(page.getByText('HubSpot link', { exact: true }).locator('..').textContent()).resolves.toContain(
      `LINKED company ${handmade}`,
    );
    const differences = section.getByRole('table', { name: 'Differences, settled by rule in the first sync' });
    const companyName = differences.getByRole('row', { name: /company_name/ });
    await expect(companyName.textContent()).resolves.toContain('Console Link');
    await expect(companyName.textContent()).resolves.toContain('Console Handmade Works');
    await waitFor(
      async () => (await sandbox.company(handmade!)).properties.warp_ban === customer.ban,
      'warp_ban stamped on the chosen company',
    );
    expect(await row()).toEqual({ hubspot_link_status: 'LINKED', hubspot_company_id: handmade });
    await screenshot('link');
  });

  it('shows a sign-in prompt, never a blank page, once the token is gone', async () => {
    await page.evaluate(() => sessionStorage.setItem('warp-console-token', 'expired'));
    await page.getByRole('link', { name: 'Health' }).click();
    await heading('Sign in').waitFor();
  });
});

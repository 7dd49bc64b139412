import { afterEach, describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '../../../shared/hubspot/webhook-signature.js';
import { waitFor } from '../../support/wait-for.js';
import { allEvents, developerClient, hubspotClient, startReceiver, startSandbox } from './sandbox-fixtures.js';
import type { Receiver, RunningSandbox, SandboxOptions } from './sandbox-fixtures.js';

const SECRET = 'test-client-secret';
let sandbox: RunningSandbox | undefined;
let receiver: Receiver | undefined;

afterEach(async () => {
  await sandbox?.close();
  await receiver?.close();
  sandbox = undefined;
  receiver = undefined;
});

async function setUp(webhooks: NonNullable<SandboxOptions['webhooks']> = {}) {
  receiver = await startReceiver('/hubspot/webhooks?source=sandbox');
  sandbox = await startSandbox({
    webhooks: { targetUrl: receiver.url, clientSecret: SECRET, appId: 777, portalId: 4242, retryScheduleMs: [10], ...webhooks },
  });
  return { sandbox, receiver, client: hubspotClient(sandbox) };
}

const idle = async () => expect(await sandbox?.control.webhooksIdle()).toEqual({ idle: true });
const verify = (hook: Receiver['received'][number], acceptedVersions: Array<'v1' | 'v2' | 'v3'>) =>
  verifyWebhookSignature({
    method: 'POST',
    uri: receiver?.url ?? '',
    rawBody: hook.rawBody,
    headers: hook.headers,
    clientSecret: SECRET,
    acceptedVersions,
    nowMs: Date.now(),
  });

describe('delivery', () => {
  it('posts signed (v3) events for API writes as INTEGRATION from the app', async () => {
    const { client } = await setUp();
    const created = await client.crm.companies.basicApi.create({ properties: { name: 'Acme', city: 'Austin' }, associations: [] });
    await idle();
    expect(receiver?.received).toHaveLength(1);
    const hook = receiver!.received[0]!;
    expect(hook.url).toBe('/hubspot/webhooks?source=sandbox');
    expect(verify(hook, ['v3'])).toEqual({ ok: true, version: 'v3' });
    expect(hook.headers['x-hubspot-signature']).toBeUndefined();
    expect(hook.events.map((e) => [e.subscriptionType, e.propertyName])).toEqual([
      ['company.creation', undefined],
      ['company.propertyChange', 'name'],
      ['company.propertyChange', 'city'],
    ]);
    for (const event of hook.events) {
      expect(event).toMatchObject({
        objectId: Number(created.id),
        portalId: 4242,
        appId: 777,
        attemptNumber: 0,
        changeSource: 'INTEGRATION',
        sourceId: '777',
        eventId: expect.any(Number),
        subscriptionId: expect.any(Number),
        occurredAt: expect.any(Number),
        changeFlag: expect.any(String),
      });
    }
    expect(hook.events[1]).toMatchObject({ propertyValue: 'Acme' });
  });

  it('adds a v1 signature when configured, and both verify', async () => {
    const { client } = await setUp({ signatureVersions: ['v1', 'v3'] });
    await client.crm.companies.basicApi.create({ properties: { name: 'Acme' }, associations: [] });
    await idle();
    const hook = receiver!.received[0]!;
    expect(hook.headers['x-hubspot-signature-version']).toBe('v1');
    expect(verify(hook, ['v1'])).toEqual({ ok: true, version: 'v1' });
    expect(verify(hook, ['v3'])).toEqual({ ok: true, version: 'v3' });
  });

  it('reports edits by a person as CRM_UI with the user id, and only changed values', async () => {
    const { client } = await setUp();
    const created = await client.crm.companies.basicApi.create({ properties: { name: 'Acme', city: 'Austin' }, associations: [] });
    await idle();
    await sandbox!.control.editAsUser(created.id, { name: 'Acme Corp', city: 'Austin' }, 45678);
    await idle();
    expect(receiver!.received[1]!.events).toEqual([
      expect.objectContaining({
        subscriptionType: 'company.propertyChange',
        propertyName: 'name',
        propertyValue: 'Acme Corp',
        changeSource: 'CRM_UI',
        sourceId: 'userId:45678',
      }),
    ]);
  });

  it('announces deletion, restore and merge', async () => {
    const { client } = await setUp();
    const a = await client.crm.companies.basicApi.create({ properties: { name: 'A' }, associations: [] });
    const b = await client.crm.companies.basicApi.create({ properties: { name: 'B', phone: '1' }, associations: [] });
    await client.crm.companies.basicApi.archive(b.id);
    await sandbox!.control.restoreAsUser(b.id, 9);
    await client.crm.companies.basicApi.merge({ primaryObjectId: a.id, objectIdToMerge: b.id });
    await idle();
    const events = allEvents(receiver!).filter(
      (e) => e.subscriptionType !== 'company.propertyChange' && e.subscriptionType !== 'company.creation',
    );
    expect(events).toEqual([
      expect.objectContaining({ subscriptionType: 'company.deletion', objectId: Number(b.id), changeSource: 'INTEGRATION' }),
      expect.objectContaining({
        subscriptionType: 'company.restore',
        objectId: Number(b.id),
        changeSource: 'CRM_UI',
        sourceId: 'userId:9',
      }),
      expect.objectContaining({
        subscriptionType: 'company.merge',
        objectId: Number(a.id),
        primaryObjectId: Number(a.id),
        mergedObjectIds: [Number(b.id)],
        newObjectId: Number(a.id),
        numberOfPropertiesMoved: 1,
      }),
    ]);
  });

  it('sends fewer than 100 events per request', async () => {
    const { client } = await setUp();
    const inputs = Array.from({ length: 100 }, (_, i) => ({ properties: { name: `C${i}` }, associations: [] }));
    await client.crm.companies.batchApi.create({ inputs });
    await client.crm.companies.batchApi.create({ inputs });
    await idle();
    expect(allEvents(receiver!)).toHaveLength(400);
    expect(Math.max(...receiver!.received.map((r) => r.events.length))).toBeLessThan(100);
  });
});

describe('retries and concurrency', () => {
  it('retries non-2xx answers with attemptNumber counting up, until success', async () => {
    const { client } = await setUp({ retryScheduleMs: [20, 40] });
    receiver!.respond = (n) => ({ status: n < 2 ? 500 : 200 });
    await client.crm.companies.basicApi.create({ properties: { name: 'Acme' }, associations: [] });
    await idle();
    expect(receiver!.received.map((r) => r.events[0]?.attemptNumber)).toEqual([0, 1, 2]);
    expect(receiver!.received.map((r) => verify(r, ['v3']).ok)).toEqual([true, true, true]);
    const gaps = receiver!.received.slice(1).map((r, i) => r.receivedAt - (receiver!.received[i]?.receivedAt ?? 0));
    expect(gaps[0]).toBeGreaterThanOrEqual(15);
    expect(gaps[1]).toBeGreaterThanOrEqual(35);
    const { attempts } = await sandbox!.control.webhooks();
    expect(attempts.map((a) => [a.attemptNumber, a.outcome, a.status])).toEqual([
      [0, 'failed', 500],
      [1, 'failed', 500],
      [2, 'delivered', 200],
    ]);
  });

  it('gives up after 10 attempts, and treats a 4xx like any failure', async () => {
    const { client } = await setUp({ retryScheduleMs: [1] });
    receiver!.respond = () => ({ status: 404 });
    await client.crm.companies.basicApi.create({ properties: { name: 'Acme' }, associations: [] });
    await idle();
    expect(receiver!.received.map((r) => r.events[0]?.attemptNumber)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('counts an answer slower than the timeout as failed and retries it', async () => {
    const { client } = await setUp({ timeoutMs: 100 });
    receiver!.respond = (n) => ({ status: 200, delayMs: n === 0 ? 400 : 0 });
    await client.crm.companies.basicApi.create({ properties: { name: 'Acme' }, associations: [] });
    await idle();
    const { attempts } = await sandbox!.control.webhooks();
    expect(attempts.map((a) => a.outcome)).toEqual(['failed', 'delivered']);
    expect(attempts[0]?.error).toMatch(/timeout/);
  });

  it('keeps at most maxConcurrent deliveries in flight', async () => {
    const { client } = await setUp({ maxConcurrent: 2, maxEventsPerRequest: 1 });
    receiver!.respond = () => ({ status: 200, delayMs: 50 });
    await client.crm.companies.batchApi.create({
      inputs: Array.from({ length: 4 }, (_, i) => ({ properties: { name: `C${i}` }, associations: [] })),
    });
    await idle();
    expect(receiver!.received).toHaveLength(8);
    expect(receiver!.maxInFlight).toBe(2);
    expect((await sandbox!.control.webhooks()).stats.maxObservedConcurrency).toBe(2);
  });
});

describe('webhook faults', () => {
  const change = async (client: ReturnType<typeof hubspotClient>, id: string, name: string) => {
    await client.crm.companies.basicApi.update(id, { properties: { name } });
    await idle();
  };

  it('drops, duplicates and reorders deliveries on demand', async () => {
    const { client } = await setUp({
      maxConcurrent: 1,
      reorderHoldMs: 1000,
      subscriptions: [{ eventType: 'company.propertyChange', propertyName: 'name' }],
    });
    const { id } = await client.crm.companies.basicApi.create({ properties: {}, associations: [] });

    await sandbox!.control.addFault({ kind: 'drop', count: 1 });
    await change(client, id, 'dropped');
    expect(receiver!.received).toHaveLength(0);
    expect((await sandbox!.control.webhooks()).attempts.map((a) => a.outcome)).toEqual(['dropped']);

    await sandbox!.control.addFault({ kind: 'duplicate', count: 1 });
    await change(client, id, 'twice');
    expect(allEvents(receiver!).map((e) => e.propertyValue)).toEqual(['twice', 'twice']);
    expect(receiver!.received[0]?.events[0]?.eventId).toBe(receiver!.received[1]?.events[0]?.eventId);

    await sandbox!.control.addFault({ kind: 'reorder', count: 1 });
    await client.crm.companies.basicApi.update(id, { properties: { name: 'first' } });
    // Its batch has left the queue and is held back, not merged with the next change's.
    await waitFor(async () => (await sandbox!.control.webhooks()).stats.queued === 0, 'the first batch to be held back');
    await change(client, id, 'second');
    expect(
      allEvents(receiver!)
        .slice(2)
        .map((e) => e.propertyValue),
    ).toEqual(['second', 'first']);
  });
});

describe('webhooks v3 API (developer key)', () => {
  it('manages settings and subscriptions through @hubspot/api-client', async () => {
    await setUp();
    const dev = developerClient(sandbox!);
    const subs = await dev.webhooks.subscriptionsApi.getAll(777);
    expect(subs.results.map((s) => s.eventType).sort()).toEqual([
      'company.associationChange',
      'company.creation',
      'company.deletion',
      'company.merge',
      'company.propertyChange',
      'company.restore',
    ]);
    const second = await startReceiver();
    try {
      const settings = await dev.webhooks.settingsApi.configure(777, { targetUrl: second.url, throttling: { maxConcurrentRequests: 5 } });
      expect(settings.targetUrl).toBe(second.url);
      expect((await dev.webhooks.settingsApi.getAll(777)).throttling.maxConcurrentRequests).toBe(5);
      for (const s of subs.results.filter((x) => x.eventType !== 'company.creation')) {
        await dev.webhooks.subscriptionsApi.update(Number(s.id), 777, { active: false });
      }
      const created = await dev.webhooks.subscriptionsApi.create(777, {
        eventType: 'company.propertyChange' as never,
        propertyName: 'city',
        active: true,
      });
      expect(created).toMatchObject({ eventType: 'company.propertyChange', propertyName: 'city', active: true });
      expect((await dev.webhooks.subscriptionsApi.getById(Number(created.id), 777)).propertyName).toBe('city');

      await hubspotClient(sandbox!).crm.companies.basicApi.create({ properties: { name: 'Acme', city: 'Austin' }, associations: [] });
      await idle();
      expect(receiver!.received).toHaveLength(0);
      expect(allEvents(second).map((e) => [e.subscriptionType, e.propertyName])).toEqual([
        ['company.creation', undefined],
        ['company.propertyChange', 'city'],
      ]);
      await dev.webhooks.subscriptionsApi.archive(Number(created.id), 777);
      expect((await dev.webhooks.subscriptionsApi.getAll(777)).results).toHaveLength(6);
      const wrongKey = new (await import('@hubspot/api-client')).Client({ developerApiKey: 'nope', basePath: sandbox!.url });
      await expect(wrongKey.webhooks.subscriptionsApi.getAll(777)).rejects.toMatchObject({ code: 401 });
    } finally {
      await second.close();
    }
  });
});

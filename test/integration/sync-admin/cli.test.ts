import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main as conflictCli } from '../../../dev/conflict.js';
import { main as mappingCli } from '../../../dev/mapping.js';
import type { CliIo } from '../../../dev/sync-admin-cli.js';
import { insertCustomersWithOutbox } from '../../support/customer-factory.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';

const UUID = '8d7f6b1e-2a4c-4c1e-9f3a-1b2c3d4e5f60';

/** Runs a CLI's main in-process against `env`, capturing what it prints. */
async function run(cli: (argv: readonly string[], io: CliIo) => Promise<number>, argv: string[], env: CliIo['env'] = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await cli(argv, { env, out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('mapping and conflict CLIs: argument validation (exit code 2, a message, no stack trace)', () => {
  const refusals: Array<[string, typeof mappingCli, string[], RegExp]> = [
    ['no command', mappingCli, [], /expected a command: show, set, unset/],
    ['an unknown command', conflictCli, ['settle'], /expected a command: list, resolve/],
    ['an unknown option', mappingCli, ['show', '--customr', UUID], /Unknown option '--customr'/],
    ['an option without its value', mappingCli, ['set', '--field'], /'--field <value>' argument missing/],
    ['a bad customer id', mappingCli, ['show', '--customer', '42'], /--customer: must be a customer id \(uuid\)/],
    ['set without --field', mappingCli, ['set', '--rule', 'MANUAL'], /--field: /],
    ['a bad direction', mappingCli, ['set', '--field', 'legal_name', '--direction', 'SIDEWAYS'], /--direction: .*BIDIRECTIONAL/],
    ['transform that is not JSON', mappingCli, ['set', '--field', 'legal_name', '--transform', '{name:text}'], /--transform: must be JSON/],
    ['transform of an unknown name', mappingCli, ['set', '--field', 'legal_name', '--transform', '{"name":"rot13"}'], /--transform/],
    ['enabled that is not a boolean', mappingCli, ['set', '--field', 'legal_name', '--enabled', 'yes'], /--enabled: must be true or false/],
    ['unset without --customer', mappingCli, ['unset', '--field', 'legal_name'], /--customer: /],
    [
      'an option of another command',
      mappingCli,
      ['unset', '--customer', UUID, '--field', 'legal_name', '--rule', 'MANUAL'],
      /--rule cannot be used with "unset"/,
    ],
    ['a stray argument', conflictCli, ['list', 'everything'], /unexpected argument "everything"/],
    ['resolve without --take', conflictCli, ['resolve', '--customer', UUID, '--field', 'legal_name'], /--take: /],
    [
      'a side that does not exist',
      conflictCli,
      ['resolve', '--customer', UUID, '--field', 'legal_name', '--take', 'both'],
      /--take: must be warp or hubspot/,
    ],
  ];

  it.each(refusals)('%s', async (_name, cli, argv, message) => {
    const result = await run(cli, argv);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(message);
    expect(result.err).toContain('usage:');
    expect(result.err).not.toMatch(/\n\s+at /);
    expect(result.out).toBe('');
  });
});

describe('mapping and conflict CLIs against a database', () => {
  let t: TestDatabase;
  let env: CliIo['env'];
  let customerId: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    env = { DATABASE_URL: t.url, USER: 'tester' };
    [customerId] = (await insertCustomersWithOutbox(t.db, 1, { prefix: 'CL' })) as [string];
  });
  afterAll(() => t.destroy());

  it('set changes only the options given, show marks the override, unset removes it', async () => {
    const set = await run(mappingCli, ['set', '--customer', customerId, '--field', 'legal_name', '--rule', 'manual'], env);
    expect(set).toMatchObject({ code: 0, err: '' });
    expect(set.out).toContain(
      `Override of legal_name for customer ${customerId} saved: warp_legal_name, BIDIRECTIONAL, MANUAL, transform {"name":"text"}.`,
    );
    expect(set.out).toMatch(
      /RESYNC queued \(outbox row \d+\) but not published now \(no Pub\/Sub publisher configured\); the outbox relay publishes it/,
    );
    const row = await t.db.selectFrom('hubspot_sync_config').selectAll().where('customer_id', '=', customerId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ warp_field: 'legal_name', conflict_rule: 'MANUAL', direction: 'BIDIRECTIONAL', updated_by: 'cli:tester' });

    const show = await run(mappingCli, ['show', '--customer', customerId], env);
    expect(show.code).toBe(0);
    expect(show.out.split('\n').find((l) => l.startsWith('legal_name '))).toMatch(
      /warp_legal_name\s+BIDIRECTIONAL\s+MANUAL\s+\{"name":"text"\}\s+true\s+OVERRIDE\s+\S+ cli:tester/,
    );
    expect(show.out.split('\n').find((l) => l.startsWith('company_name '))).toMatch(/LATEST_WINS.*GLOBAL/);

    const unset = await run(mappingCli, ['unset', '--customer', customerId, '--field', 'legal_name', '--by', 'ops@test'], env);
    expect(unset.code).toBe(0);
    expect(await t.db.selectFrom('hubspot_sync_config').selectAll().where('customer_id', '=', customerId).execute()).toEqual([]);
    const again = await run(mappingCli, ['unset', '--customer', customerId, '--field', 'legal_name'], env);
    expect(again).toMatchObject({ code: 2, err: `customer ${customerId} has no override of legal_name` });
  });

  it('a refused save exits 2 naming the problem; a global change prints the reconciliation command', async () => {
    const refused = await run(mappingCli, ['set', '--field', 'company_name', '--transform', '{"name":"money"}'], env);
    expect(refused).toMatchObject({ code: 2, out: '' });
    expect(refused.err).toBe('mapping of company_name refused: transform: transform "money" does not fit a text field');

    const newField = await run(mappingCli, ['set', '--field', 'contact.name', '--property', 'warp_contact_name'], env);
    expect(newField.code).toBe(2);
    expect(newField.err).toContain('contact.name has no global mapping yet: also give --direction, --rule, --transform');

    const saved = await run(mappingCli, ['set', '--field', 'company_name', '--rule', 'WARP_WINS'], env);
    expect(saved.code).toBe(0);
    expect(saved.out).toContain(`gcloud pubsub topics publish hubspot-reconcile-requests --message='{"all":true,"mode":"FULL"}'`);
  });

  it('the local database is the default, and saying so goes to stderr', async () => {
    const result = await run(conflictCli, ['list'], { DATABASE_URL: undefined });
    expect(result.err).toContain(
      "DATABASE_URL is not set: using the local stack's database postgres://postgres:postgres@127.0.0.1:5433/warp",
    );
  });

  it('conflict list and resolve', async () => {
    expect(await run(conflictCli, ['list'], env)).toMatchObject({ code: 0, out: 'No open conflicts.' });
    const noConflict = await run(conflictCli, ['resolve', '--customer', customerId, '--field', 'legal_name', '--take', 'warp'], env);
    expect(noConflict).toMatchObject({ code: 2, err: `customer ${customerId} has no open conflict on legal_name` });

    await t.db
      .insertInto('hubspot_field_state')
      .values({
        customer_id: customerId,
        warp_field: 'legal_name',
        hubspot_property: 'warp_legal_name',
        base_value: 'Old LLC',
        conflict_status: 'OPEN',
        conflict_warp_value: 'New LLC',
        conflict_hubspot_value: 'New Inc',
        conflict_opened_at: new Date(),
      })
      .execute();
    const list = await run(conflictCli, ['list', '--customer', customerId], env);
    expect(list.out).toMatch(new RegExp(`${customerId}\\s+CL-000000000\\s+legal_name\\s+"New LLC" @ -\\s+"New Inc" @ -`));

    const resolved = await run(conflictCli, ['resolve', '--customer', customerId, '--field', 'legal_name', '--take', 'hubspot'], env);
    expect(resolved.code).toBe(0);
    expect(resolved.out).toContain('HUBSPOT wins with "New Inc"; WARP (warp_legal_name) gets it when the worker runs the resync.');
    expect(resolved.out).toContain('the outbox relay publishes it');
    const state = await t.db.selectFrom('hubspot_field_state').selectAll().where('customer_id', '=', customerId).executeTakeFirstOrThrow();
    expect(state).toMatchObject({ conflict_status: 'NONE', base_value: 'New LLC', has_base: true });
  });
});

import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { CreateCustomerInput } from '../../../shared/customers/schemas.js';
import { createCustomerService, type CustomerService } from '../../../shared/customers/service.js';
import { handleOutboxMessage, type FieldSyncDeps } from '../../../shared/outbound-sync/handle-outbox-message.js';
import type { CompanyGateway } from '../../../shared/outbound-sync/sync-claimed-rows.js';
import { enqueueResync } from '../../../shared/outbox/outbox-writes.js';
import { outboxMessageSchema, type OutboxMessage } from '../../../shared/outbox/outbox-message.js';
import { ADMIN, messageFor, startFieldSyncHarness, waitFor, type FieldSyncHarness } from './field-sync-harness.js';

/**
 * Random interleavings of WARP edits, HubSpot edits by a person, outbox handlers (sequential,
 * concurrent, paused at a HubSpot call, redelivered, outliving their lease) against real
 * PostgreSQL and the sandbox. After everything settles, each field on both sides must hold the
 * value of the later of the edits made to it.
 */

const SEED = 20_261_204;
const RUNS = 30;
/** Short, so a handler held at a HubSpot call loses its claim within a run. */
const LEASE_MS = 700;
const CUSTOMERS = 2;

/** BIDIRECTIONAL, LATEST_WINS in the default mapping; values chosen so every transform keeps them as written. */
const FIELDS = {
  company_name: { property: 'name', value: (tag: string) => `Co ${tag}`, read: (c: CustomerRow) => c.company_name },
  'contact.email': {
    property: 'warp_contact_email',
    value: (tag: string) => `${tag}@mail.example.com`,
    read: (c: CustomerRow) => c.contact.email,
  },
  'address.city': { property: 'city', value: (tag: string) => `${tag} City`, read: (c: CustomerRow) => c.address.city },
} as const;
type Field = keyof typeof FIELDS;
const FIELD_NAMES = Object.keys(FIELDS) as Field[];

interface CustomerRow {
  company_name: string;
  contact: { email?: string };
  address: { city?: string };
}

type PausePoint = 'read' | 'write' | 'afterWrite';
type Command =
  | { kind: 'warpEdit'; customer: number; field: Field }
  | { kind: 'hubspotEdit'; customer: number; field: Field }
  /** Handles the message of the customer's newest open outbox row (its newest row if none is open). */
  | { kind: 'handle'; customer: number; worker: number }
  /** Two such handlers at once, on two workers. */
  | { kind: 'handleTwo'; first: number; second: number }
  /** Starts such a handler, which stops at its first HubSpot call of that kind until released. */
  | { kind: 'start'; customer: number; worker: number; pauseAt: PausePoint }
  /** Lets the n-th of the handlers still held go on, and waits for it. */
  | { kind: 'release'; handler: number }
  /** Delivers again the n-th newest message handled so far. */
  | { kind: 'redeliver'; back: number; worker: number }
  /** Waits until the claims of every held handler have outlived their lease. */
  | { kind: 'expireLeases' }
  | { kind: 'resync'; customer: number };

function describeCommand(c: Command): string {
  switch (c.kind) {
    case 'warpEdit':
    case 'hubspotEdit':
      return `${c.kind}(c${c.customer}, ${c.field})`;
    case 'handle':
      return `handle(c${c.customer}, w${c.worker})`;
    case 'handleTwo':
      return `handleTwo(c${c.first}, c${c.second})`;
    case 'start':
      return `start(c${c.customer}, w${c.worker}, pause ${c.pauseAt === 'afterWrite' ? 'after write' : `before ${c.pauseAt}`})`;
    case 'release':
      return `release(held#${c.handler})`;
    case 'redeliver':
      return `redeliver(handled#-${c.back}, w${c.worker})`;
    case 'expireLeases':
      return 'expireLeases()';
    case 'resync':
      return `resync(c${c.customer})`;
  }
}

const printable = (c: Command): Command => Object.assign(c, { [fc.toStringMethod]: () => describeCommand(c) });
/** Mostly the first customer, so edits and handlers meet on it; the second one shares batches. */
const customerArb = fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constant(1) });
const workerArb = fc.nat({ max: 1 });
const fieldArb = fc.constantFrom(...FIELD_NAMES);
const commandArb: fc.Arbitrary<Command> = fc
  .oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('warpEdit' as const), customer: customerArb, field: fieldArb }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('hubspotEdit' as const), customer: customerArb, field: fieldArb }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('handle' as const), customer: customerArb, worker: workerArb }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('handleTwo' as const), first: customerArb, second: customerArb }) },
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('start' as const),
        customer: customerArb,
        worker: workerArb,
        pauseAt: fc.constantFrom<PausePoint>('read', 'write', 'afterWrite'),
      }),
    },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('release' as const), handler: fc.nat({ max: 2 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('redeliver' as const), back: fc.nat({ max: 3 }), worker: workerArb }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('expireLeases' as const) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('resync' as const), customer: customerArb }) },
  )
  .map(printable);

/** Interleavings always tried first, whatever the seed. */
const EXAMPLES: Command[][] = [
  // A newer WARP edit committed while a batch talks to HubSpot, which holds an older HubSpot edit.
  [
    { kind: 'hubspotEdit', customer: 0, field: 'address.city' },
    { kind: 'warpEdit', customer: 0, field: 'company_name' },
    { kind: 'start', customer: 0, worker: 0, pauseAt: 'read' },
    { kind: 'warpEdit', customer: 0, field: 'address.city' },
    { kind: 'release', handler: 0 },
  ],
  // A handler outlives its lease; the redelivery takes over, a newer edit comes, the old one goes on.
  [
    { kind: 'warpEdit', customer: 0, field: 'company_name' },
    { kind: 'start', customer: 0, worker: 0, pauseAt: 'write' },
    { kind: 'expireLeases' },
    { kind: 'redeliver', back: 0, worker: 1 },
    { kind: 'warpEdit', customer: 0, field: 'company_name' },
    { kind: 'handle', customer: 0, worker: 1 },
    { kind: 'release', handler: 0 },
  ],
];

/** A person edits in HubSpot after our read, while our push planned from that read is on its way there. */
const EDIT_DURING_PUSH: Command[] = [
  { kind: 'warpEdit', customer: 0, field: 'address.city' },
  { kind: 'start', customer: 0, worker: 0, pauseAt: 'write' },
  { kind: 'hubspotEdit', customer: 0, field: 'address.city' },
  { kind: 'release', handler: 0 },
];

/** A HubSpot gateway that stops once, before (or just after) its first call of one kind, until released. */
function pausingGateway(inner: CompanyGateway, at: PausePoint) {
  let reached!: () => void;
  let release!: () => void;
  const reachedPause = new Promise<void>((resolve) => (reached = resolve));
  const gate = new Promise<void>((resolve) => (release = resolve));
  let armed = true;
  const pause = async (point: PausePoint) => {
    if (!armed || point !== at) return;
    armed = false;
    reached();
    await gate;
  };
  const gateway: CompanyGateway = {
    // Every round reads current values first; the history read, when one follows, is not paused.
    batchReadCurrentValues: async (...args) => {
      await pause('read');
      return inner.batchReadCurrentValues(...args);
    },
    batchReadWithHistory: (...args) => inner.batchReadWithHistory(...args),
    batchUpsertByUniqueProperty: (...args) => inner.batchUpsertByUniqueProperty(...args),
    batchUpdate: async (...args) => {
      await pause('write');
      const outcomes = await inner.batchUpdate(...args);
      await pause('afterWrite');
      return outcomes;
    },
  };
  return { gateway, reachedPause, release };
}

interface HeldHandler {
  label: string;
  pauseAt: PausePoint;
  claimedBy: number;
  release: () => void;
  done: Promise<string>;
  /** Set once the handler returned or threw. */
  outcome?: string;
}

/** The last edit of a field, as a person made it on one side. */
interface LastWrite {
  value: string;
  by: string;
}

/** Waits until the wall clock has moved past `since`, so the next edit is strictly later. */
async function clockPast(since: number): Promise<void> {
  while (Date.now() <= since + 2) await sleep(1);
}

describe('interleaved edits, claims and redeliveries', () => {
  let h: FieldSyncHarness;
  let service: CustomerService;
  let run = 0;
  beforeAll(async () => {
    // No rate limit in the way: the property is about ordering, not budgets.
    h = await startFieldSyncHarness({ tenSecondLimit: 1_000_000, budgetPerWindow: 1_000_000 });
    service = createCustomerService({ db: h.database.db, log: h.log });
  });
  afterAll(() => h?.close());

  const deps = (workerId: string, companies: CompanyGateway = h.hubspot.companies): FieldSyncDeps => {
    const base = h.workerDeps({ companies, workerId });
    return { ...base, options: { ...base.options, leaseMs: LEASE_MS } };
  };

  const outcomeOf = (p: Promise<unknown>): Promise<string> =>
    p.then(
      (o) => (o as { kind: string }).kind,
      (err: Error) => `threw ${err.name}`,
    );

  /** Runs handlers until none of the customers' outbox rows is open (held rows wait out their lease). */
  async function drain(customerIds: string[]): Promise<void> {
    await waitFor(
      async () => {
        const open = await h.database.db
          .selectFrom('hubspot_sync_queue')
          .selectAll()
          .where('customer_id', 'in', customerIds)
          .where('status', 'in', ['PENDING', 'PROCESSING'])
          .orderBy('id')
          .execute();
        if (open.length === 0) return true;
        for (const row of open) {
          const message = outboxMessageSchema.parse({
            outboxId: row.id,
            customerId: row.customer_id,
            operation: row.operation,
            origin: row.origin,
            changedAt: row.changed_at.toISOString(),
          });
          await outcomeOf(handleOutboxMessage(deps('settler'), message));
        }
        return false;
      },
      'the outbox to settle',
      30_000,
    );
  }

  async function scenario(commands: Command[]): Promise<void> {
    run += 1;
    const trace: string[] = [];
    const customers: Array<{ id: string; companyId: string }> = [];
    const expected = new Map<string, LastWrite>();
    /** Every outbox message of the run, and those given to a handler (for redeliveries). */
    const messages: OutboxMessage[] = [];
    const handled: OutboxMessage[] = [];
    const held: HeldHandler[] = [];
    let lastEditAt = 0;
    let tags = 0;

    const created: OutboxMessage[] = [];
    for (let c = 0; c < CUSTOMERS; c++) {
      const tag = `r${run}c${c}`;
      const body: CreateCustomerInput = {
        company_name: FIELDS.company_name.value(tag),
        customer_type: 'POSTPAID',
        contact: { name: 'Ops', email: FIELDS['contact.email'].value(tag), phone: '+1 415 555 0100' },
        address: { line1: '1 Main St', city: FIELDS['address.city'].value(tag), state: 'NY', zip: '10001', country: 'US' },
      };
      const id = (JSON.parse((await service.create(ADMIN, body, {})).body) as { data: { id: string } }).data.id;
      created.push(await messageFor(h, id));
      for (const field of FIELD_NAMES) expected.set(`${c}/${field}`, { value: FIELDS[field].value(tag), by: 'create' });
    }
    // One batch links them all.
    // With the harness's full lease: a slow machine must not fail the setup on the short one.
    for (const m of created) await handleOutboxMessage(h.workerDeps({ workerId: 'setup' }), m);
    for (const m of created) {
      const row = await h.database.db
        .selectFrom('customers')
        .select('hubspot_company_id')
        .where('id', '=', m.customerId)
        .executeTakeFirstOrThrow();
      if (!row.hubspot_company_id) throw new Error('setup: customer not linked');
      customers.push({ id: m.customerId, companyId: row.hubspot_company_id });
    }
    messages.push(...created);
    handled.push(...created);
    const label = (m: OutboxMessage) => `m${messages.findIndex((x) => x.outboxId === m.outboxId)}`;

    /** The message of the customer's newest open row, else of its newest row (a redelivery). */
    const messageOf = async (c: number): Promise<OutboxMessage> => {
      const customerId = customers[c]!.id;
      const open = await h.database.db
        .selectFrom('hubspot_sync_queue')
        .select('id')
        .where('customer_id', '=', customerId)
        .where('status', 'in', ['PENDING', 'PROCESSING'])
        .orderBy('id', 'desc')
        .executeTakeFirst();
      const m = messages.findLast((x) => x.customerId === customerId && (!open || x.outboxId === open.id));
      if (!m) throw new Error(`no message known for outbox row ${open?.id}`);
      handled.push(m);
      return m;
    };

    const start = (message: OutboxMessage, worker: number, pauseAt: PausePoint, label: string): Promise<HeldHandler> => {
      const paused = pausingGateway(h.hubspot.companies, pauseAt);
      const done = outcomeOf(handleOutboxMessage(deps(`worker-${worker}`, paused.gateway), message));
      const handler: HeldHandler = { label, pauseAt, claimedBy: Date.now(), release: paused.release, done };
      void done.then((outcome) => (handler.outcome = outcome));
      return Promise.race([paused.reachedPause.then(() => handler), done.then(() => handler)]);
    };

    try {
      for (const command of commands) {
        const step = describeCommand(command);
        switch (command.kind) {
          case 'warpEdit':
          case 'hubspotEdit': {
            const customer = customers[command.customer]!;
            const tag = `${command.kind === 'warpEdit' ? 'w' : 'h'}${++tags}r${run}`;
            const value = FIELDS[command.field].value(tag);
            await clockPast(lastEditAt);
            if (command.kind === 'warpEdit') {
              const [head, tail] = command.field.split('.') as [string, string | undefined];
              await service.update(ADMIN, customer.id, tail ? { [head]: { [tail]: value } } : { [head]: value });
              messages.push(await messageFor(h, customer.id));
              trace.push(`${step} = ${value} -> m${messages.length - 1}`);
            } else {
              await h.sandbox.control.editAsUser(customer.companyId, { [FIELDS[command.field].property]: value });
              trace.push(`${step} = ${value}`);
            }
            lastEditAt = Date.now();
            expected.set(`${command.customer}/${command.field}`, { value, by: step });
            break;
          }
          case 'handle': {
            const m = await messageOf(command.customer);
            trace.push(`${step} = ${label(m)}: ${await outcomeOf(handleOutboxMessage(deps(`worker-${command.worker}`), m))}`);
            break;
          }
          case 'redeliver': {
            const m = handled[handled.length - 1 - (command.back % handled.length)]!;
            trace.push(`${step} = ${label(m)}: ${await outcomeOf(handleOutboxMessage(deps(`worker-${command.worker}`), m))}`);
            break;
          }
          case 'handleTwo': {
            const [a, b] = [await messageOf(command.first), await messageOf(command.second)];
            const outcomes = await Promise.all([
              outcomeOf(handleOutboxMessage(deps('worker-0'), a)),
              outcomeOf(handleOutboxMessage(deps('worker-1'), b)),
            ]);
            trace.push(`${step} = ${label(a)}, ${label(b)}: ${outcomes.join(', ')}`);
            break;
          }
          case 'start': {
            const m = await messageOf(command.customer);
            const handler = await start(m, command.worker, command.pauseAt, `h${held.length}`);
            held.push(handler);
            trace.push(
              `${step} = ${label(m)} -> ${handler.label}${handler.outcome === undefined ? ' held' : ` never paused: ${handler.outcome}`}`,
            );
            break;
          }
          case 'release': {
            const waiting = held.filter((x) => x.outcome === undefined);
            const handler = waiting[command.handler % Math.max(1, waiting.length)];
            if (!handler) {
              trace.push(`${step}: nothing held`);
              break;
            }
            handler.release();
            trace.push(`${step} = ${handler.label}: ${await handler.done}`);
            break;
          }
          case 'expireLeases': {
            const latest = Math.max(0, ...held.map((x) => x.claimedBy));
            if (latest > 0) await clockPast(latest + LEASE_MS);
            trace.push(step);
            break;
          }
          case 'resync': {
            const customer = customers[command.customer]!;
            const outboxId = await enqueueResync(h.database.db, {
              customerId: customer.id,
              fields: [],
              origin: 'RECONCILIATION',
              by: 'property-test',
              now: new Date(),
            });
            messages.push(await messageFor(h, customer.id));
            trace.push(`${step} -> m${messages.length - 1} (${outboxId})`);
            break;
          }
        }
      }

      // Settle: every held handler goes on, the outbox drains, then a resync of each customer
      // (as the webhook of a HubSpot edit or a reconciliation would bring) is carried out.
      for (const handler of held) handler.release();
      for (const handler of held) if (handler.outcome === undefined) trace.push(`settle: ${handler.label} released: ${await handler.done}`);
      const ids = customers.map((c) => c.id);
      await drain(ids);
      for (const id of ids)
        await enqueueResync(h.database.db, { customerId: id, fields: [], origin: 'RECONCILIATION', by: 'property-test', now: new Date() });
      await drain(ids);

      const wrong: string[] = [];
      for (const [c, customer] of customers.entries()) {
        const row = (await h.database.db
          .selectFrom('customers')
          .selectAll()
          .where('id', '=', customer.id)
          .executeTakeFirstOrThrow()) as unknown as CustomerRow;
        const company = await h.sandbox.control.company(customer.companyId);
        for (const field of FIELD_NAMES) {
          const want = expected.get(`${c}/${field}`)!;
          const warp = FIELDS[field].read(row);
          const hubspot = company.properties[FIELDS[field].property];
          if (warp !== want.value || hubspot !== want.value)
            wrong.push(`c${c}.${field}: WARP=${warp} HubSpot=${hubspot}, last edit ${want.by} = ${want.value}`);
        }
      }
      const failed = await h.database.db
        .selectFrom('hubspot_sync_queue')
        .select(['id', 'last_error'])
        .where('customer_id', 'in', ids)
        .where('status', '=', 'FAILED')
        .execute();
      for (const f of failed) wrong.push(`outbox row ${f.id} FAILED: ${f.last_error}`);
      if (process.env.INTERLEAVING_TRACE) process.stderr.write(`-- run ${run}\n${trace.join('\n')}\n`);
      if (wrong.length > 0) throw new Error(`${wrong.join('\n')}\n-- commands run:\n${trace.join('\n')}`);
    } finally {
      // A failed run must not leave handlers waiting into the next one.
      for (const handler of held) handler.release();
      await Promise.all(held.map((x) => x.done));
    }
  }

  it('after any interleaving settles, each field holds the value of its later edit on both sides', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(commandArb, { minLength: 4, maxLength: 18 }), (commands) => scenario(commands)),
      // Interrupted runs pass: the budget bounds the file on a slow machine, a failure found is still reported.
      {
        examples: EXAMPLES.map((commands) => [commands.map(printable)]),
        seed: SEED,
        numRuns: RUNS,
        interruptAfterTimeLimit: 35_000,
        markInterruptAsFailure: false,
      },
    );
  }, 120_000);

  // HubSpot's newest entry is then our own write; the person's edit under it must still be weighed.
  it("a person's HubSpot edit made while our older push is in flight is not overwritten for good", async () => {
    await scenario(EDIT_DURING_PUSH.map(printable));
  });
});

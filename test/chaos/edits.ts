/**
 * Customers created through the customer API, then a seeded plan of edits carried out over the
 * run from both sides: PUTs to the API, and the sandbox acting as a person in HubSpot. Edits of
 * one customer run one after another (so each side's recorded time orders them as they happened);
 * different customers' edits overlap. Every write lands in the ledger with the time its side
 * recorded it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ControlClient } from '../../dev/hubspot-sandbox/control-client.js';
import type { Db } from '../../shared/db/database.js';
import { waitFor } from '../support/wait-for.js';
import { warpPatch, warpValueOf, writersOf, type ChaosField, type RecordedWrite, type Side } from './fields.js';

export interface ChaosCustomer {
  id: string;
  ban: string;
  companyId?: string;
}

export interface PlannedEdit {
  n: number;
  customer: number;
  field: ChaosField;
  side: Side;
  /** Offset from the start of the edit phase. */
  atMs: number;
}

/** Writes per customer id, per WARP field. */
export type Ledger = Map<string, Map<string, RecordedWrite[]>>;

export function record(ledger: Ledger, customerId: string, field: string, write: RecordedWrite): void {
  const byField = ledger.get(customerId) ?? new Map<string, RecordedWrite[]>();
  ledger.set(customerId, byField);
  byField.set(field, [...(byField.get(field) ?? []), write]);
}

export function planEdits(
  random: () => number,
  fields: readonly ChaosField[],
  customers: number,
  edits: number,
  durationMs: number,
): PlannedEdit[] {
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  return Array.from({ length: edits }, (_, n) => {
    const field = pick(fields);
    return {
      n,
      customer: Math.floor(random() * customers),
      field,
      side: pick(writersOf(field)),
      atMs: Math.round((n * durationMs) / Math.max(1, edits)),
    };
  });
}

async function api(
  url: string,
  method: string,
  body: unknown,
  idempotencyKey?: string,
): Promise<{ status: number; data?: Record<string, unknown> }> {
  const res = await fetch(url, {
    method,
    headers: {
      'content-type': 'application/json',
      authorization: 'Bearer chaos',
      ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
    },
    body: JSON.stringify(body),
  });
  const json = (await res.json().catch(() => ({}))) as { data?: Record<string, unknown> };
  return { status: res.status, data: json.data };
}

/** Creates customer `i` through the API and records its initial values as WARP writes. */
export async function createCustomer(
  apiUrl: string,
  seed: number,
  i: number,
  fields: readonly ChaosField[],
  ledger: Ledger,
): Promise<ChaosCustomer> {
  const body = {
    company_name: `Chaos ${seed}-${i} Co`,
    legal_name: `Chaos ${seed}-${i} Legal`,
    customer_type: 'POSTPAID',
    contact: { name: 'Ops', email: `ops${i}@chaos.example`, phone: '+1 415 555 0100' },
    address: { line1: `${i} Chaos St`, city: 'Springfield', state: 'IL', zip: '62701', country: 'US' },
  };
  const res = await api(`${apiUrl}/customers`, 'POST', body, `chaos-${seed}-${i}`);
  if (res.status !== 201 || !res.data) throw new Error(`creating customer ${i} answered ${res.status}`);
  const row = res.data;
  const at = Date.parse(String(row.updated_at));
  for (const f of fields) {
    const value = warpValueOf(row, f.warpField);
    if (value !== null && value !== undefined)
      record(ledger, String(row.id), f.warpField, { side: 'WARP', value: String(value), at, edit: -1 });
  }
  return { id: String(row.id), ban: String(row.ban) };
}

/** Waits until every customer has its HubSpot company (bounded), filling in companyId. */
export async function awaitLinks(db: Db, customers: ChaosCustomer[], timeoutMs: number): Promise<void> {
  await waitFor(
    async () => {
      const rows = await db
        .selectFrom('customers')
        .select(['id', 'hubspot_company_id'])
        .where(
          'id',
          'in',
          customers.map((c) => c.id),
        )
        .execute();
      const linked = new Map(rows.filter((r) => r.hubspot_company_id).map((r) => [r.id, r.hubspot_company_id!]));
      for (const c of customers) c.companyId = linked.get(c.id);
      return linked.size === customers.length;
    },
    'every customer to be linked to a company',
    timeoutMs,
  );
}

export interface EditStats {
  warpEdits: number;
  hubspotEdits: number;
  /** API edits that kept failing (database down): not made, not expected. */
  warpEditsRefused: number;
}

/** Carries out the plan, each edit at its offset from now. */
export async function runEdits(
  deps: { apiUrl: string; db: Db; control: ControlClient; customers: ChaosCustomer[]; ledger: Ledger },
  plan: readonly PlannedEdit[],
): Promise<EditStats> {
  const stats: EditStats = { warpEdits: 0, hubspotEdits: 0, warpEditsRefused: 0 };
  const queues = new Map<number, Promise<void>>();
  const started = Date.now();
  for (const edit of plan) {
    const wait = started + edit.atMs - Date.now();
    if (wait > 0) await sleep(wait);
    const previous = queues.get(edit.customer) ?? Promise.resolve();
    queues.set(
      edit.customer,
      previous.then(() => editOnce(deps, edit, stats)),
    );
  }
  await Promise.all(queues.values());
  return stats;
}

async function editOnce(deps: Parameters<typeof runEdits>[0], edit: PlannedEdit, stats: EditStats): Promise<void> {
  const customer = deps.customers[edit.customer]!;
  const value = edit.field.value(edit.side, edit.n);
  if (edit.side === 'HUBSPOT') {
    if (!customer.companyId) return;
    const company = await deps.control.editAsUser(customer.companyId, { [edit.field.hubspotProperty]: value });
    const at = Date.parse(company.propertiesWithHistory[edit.field.hubspotProperty]?.[0]?.timestamp ?? company.updatedAt);
    record(deps.ledger, customer.id, edit.field.warpField, { side: 'HUBSPOT', value, at, edit: edit.n });
    stats.hubspotEdits++;
    return;
  }
  for (let attempt = 0; attempt < 20; attempt++) {
    const res = await api(`${deps.apiUrl}/customers/${customer.id}`, 'PUT', warpPatch(edit.field.warpField, value)).catch(() => ({
      status: 0,
      data: undefined,
    }));
    if (res.status === 200 && res.data) {
      record(deps.ledger, customer.id, edit.field.warpField, {
        side: 'WARP',
        value,
        at: Date.parse(String(res.data.updated_at)),
        edit: edit.n,
      });
      stats.warpEdits++;
      return;
    }
    if (res.status >= 400 && res.status < 500) throw new Error(`edit ${edit.n} (${edit.field.warpField}) refused: ${res.status}`);
    // The database is restarting: did the write commit before the answer was lost?
    const landed = await landedValue(deps.db, customer.id, edit.field.warpField, value);
    if (landed !== undefined) {
      record(deps.ledger, customer.id, edit.field.warpField, { side: 'WARP', value, at: landed, edit: edit.n });
      stats.warpEdits++;
      return;
    }
    await sleep(250);
  }
  stats.warpEditsRefused++;
}

async function landedValue(db: Db, id: string, warpField: string, value: string): Promise<number | undefined> {
  const row = await db
    .selectFrom('customers')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst()
    .catch(() => undefined);
  if (!row || String(warpValueOf(row as unknown as Record<string, unknown>, warpField)) !== value) return undefined;
  return row.updated_at.getTime();
}

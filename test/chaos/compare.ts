/**
 * The verdict: for every customer and edited field, the expected final value (fields.ts) against
 * what WARP and HubSpot hold; duplicate companies per warp_ban; FAILED outbox rows. Each
 * divergence carries the field's last writes and the sync log rows that touched it.
 */
import type { ChaosStack } from './chaos-stack.js';
import type { ChaosCustomer, Ledger } from './edits.js';
import { expectedWrite, warpValueOf, type ChaosField } from './fields.js';

export interface Divergence {
  customer: string;
  customerId: string;
  field: string;
  expected: string;
  expectedFrom: string;
  warp: string;
  hubspot: string;
  lastWrites: string[];
  syncLog: unknown[];
  /** The customer's outbox rows still open at the end (a FULL reconciliation skips such customers). */
  openOutbox: string[];
}

export interface Verdict {
  fieldsTotal: number;
  fieldsConverged: number;
  duplicates: number;
  failedRows: number;
  lostEdits: number;
  divergences: Divergence[];
}

export async function compare(
  stack: ChaosStack,
  customers: readonly ChaosCustomer[],
  fields: readonly ChaosField[],
  ledger: Ledger,
): Promise<Verdict> {
  const rows = new Map(
    (
      await stack.db
        .selectFrom('customers')
        .selectAll()
        .where(
          'id',
          'in',
          customers.map((c) => c.id),
        )
        .execute()
    ).map((r) => [r.id, r as unknown as Record<string, unknown>]),
  );
  const divergences: Divergence[] = [];
  let fieldsTotal = 0;
  let lostEdits = 0;
  for (const c of customers) {
    const row = rows.get(c.id)!;
    const companyId = String(row.hubspot_company_id ?? c.companyId ?? '');
    const company = companyId ? await stack.sandbox.control.company(companyId).catch(() => undefined) : undefined;
    for (const f of fields) {
      fieldsTotal++;
      const writes = ledger.get(c.id)?.get(f.warpField) ?? [];
      const expected = expectedWrite(f, writes);
      const want = f.canonical(expected?.value);
      const warp = f.canonical(warpValueOf(row, f.warpField));
      const hubspot = f.canonical(company?.properties[f.hubspotProperty]);
      if (warp === want && hubspot === want) continue;
      if (warp !== want && hubspot !== want) lostEdits++;
      divergences.push({
        customer: c.ban,
        customerId: c.id,
        field: f.warpField,
        expected: want,
        expectedFrom: expected ? `${expected.side} edit ${expected.edit} at ${new Date(expected.at).toISOString()}` : 'nothing written',
        warp,
        hubspot,
        lastWrites: writes
          .slice()
          .sort((a, b) => a.at - b.at)
          .slice(-4)
          .map((w) => `${new Date(w.at).toISOString()} ${w.side} ${w.value}`),
        syncLog: [],
        openOutbox: [],
      });
    }
  }
  for (const d of divergences.slice(0, 20)) {
    d.syncLog = await syncLogFor(stack, d.customerId, d.field);
    d.openOutbox = await openOutboxOf(stack, d.customerId);
  }
  return {
    fieldsTotal,
    fieldsConverged: fieldsTotal - divergences.length,
    duplicates: await duplicateCompanies(stack, new Set(customers.map((c) => c.ban))),
    failedRows: Number(
      (
        await stack.db
          .selectFrom('hubspot_sync_queue')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('status', '=', 'FAILED')
          .executeTakeFirstOrThrow()
      ).n,
    ),
    lostEdits,
    divergences: divergences.slice(0, 20),
  };
}

/** The customer's last sync log rows that name the field, oldest first. */
async function syncLogFor(stack: ChaosStack, customerId: string, field: string): Promise<unknown[]> {
  const rows = await stack.db
    .selectFrom('hubspot_sync_log')
    .select(['id', 'created_at', 'direction', 'operation', 'status', 'fields', 'outbox_id', 'webhook_event_id', 'error_code'])
    .where('customer_id', '=', customerId)
    .orderBy('id', 'desc')
    .limit(200)
    .execute();
  return rows
    .filter((r) => r.fields && typeof r.fields === 'object' && field in r.fields)
    .slice(0, 5)
    .reverse()
    .map((r) => ({
      at: r.created_at.toISOString(),
      op: `${r.direction} ${r.operation} ${r.status}`,
      outbox: r.outbox_id,
      event: r.webhook_event_id,
      [field]: (r.fields as Record<string, unknown>)[field],
    }));
}

/** BANs of this run held by more than one live company. */
async function duplicateCompanies(stack: ChaosStack, bans: Set<string>): Promise<number> {
  const count = new Map<string, number>();
  let after: string | undefined;
  do {
    const page = await stack.inspector.crm.companies.basicApi.getPage(100, after, ['warp_ban']);
    for (const c of page.results) {
      const ban = c.properties.warp_ban ?? '';
      if (bans.has(ban)) count.set(ban, (count.get(ban) ?? 0) + 1);
    }
    after = page.paging?.next?.after;
  } while (after);
  return [...count.values()].filter((n) => n > 1).length;
}

async function openOutboxOf(stack: ChaosStack, customerId: string): Promise<string[]> {
  const rows = await stack.db
    .selectFrom('hubspot_sync_queue')
    .select(['id', 'status', 'operation', 'claimed_by', 'claimed_at', 'attempts', 'changed_fields'])
    .where('customer_id', '=', customerId)
    .where('status', 'in', ['PENDING', 'PROCESSING', 'PARKED'])
    .orderBy('id')
    .execute();
  return rows.map(
    (r) =>
      `#${r.id} ${r.operation} ${r.status} by ${r.claimed_by ?? '-'} at ` +
      `${r.claimed_at?.toISOString() ?? '-'} attempts ${r.attempts} [${r.changed_fields.join(',')}]`,
  );
}

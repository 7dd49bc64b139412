/**
 * The reconcile bench's portal: customers linked to sandbox companies and in sync, seeded in bulk
 * (database rows, and companies through the sandbox's control API: no rate budget spent), and the
 * changes a run must find. Company values and bases come from the customers' rows through the
 * global mapping's own transforms, as a sync that agreed on every field would have left them.
 */
import { sql } from 'kysely';
import type { createControlClient } from '../../dev/hubspot-sandbox/control-client.js';
import type { Db } from '../../shared/db/database.js';
import { fieldMappingsSchema, type FieldMapping } from '../../shared/sync/field-mapping.js';
import { getPath, type JsonObject } from '../../shared/sync/json-path.js';
import { transformFor } from '../../shared/sync/transforms.js';
import { rowToMapping } from '../../shared/sync-store/mapping-repository.js';

type Control = ReturnType<typeof createControlClient>;

export interface LinkedCustomer {
  customerId: string;
  companyId: string;
}

/** Customers (and companies) per seeding round: one control-API call, one database transaction. */
const SEED_BATCH = 1000;

/** Customers `size` in sync with as many companies; `at`: when they were created and last agreed. */
export async function seedLinkedPortal(db: Db, control: Control, size: number, at: Date): Promise<void> {
  await sql`
    INSERT INTO customers
      (ban, company_name, legal_name, customer_type, contact, address, credit_limit, created_at, updated_at, created_by, updated_by)
    SELECT 'RB-' || lpad(i::text, 9, '0'), 'Bench Co ' || i, 'Bench Co ' || i || ' LLC', 'POSTPAID',
      jsonb_build_object('name', 'Ops ' || i, 'email', 'ops' || i || '@bench.example.com', 'phone', '+1 303 555 0100'),
      jsonb_build_object('line1', i || ' Main St', 'city', 'Denver', 'state', 'CO', 'zip', '80202', 'country', 'US'),
      1000, ${at}, ${at}, 'bench-seed', 'bench-seed'
    FROM generate_series(1, ${size}) AS i`.execute(db);
  const mappings = (await globalMappings(db)).filter((m) => m.direction !== 'NONE' && m.enabled !== false);
  for (let after: string | null = null; ;) {
    const customers = await db
      .selectFrom('customers')
      .selectAll()
      .$if(after !== null, (qb) => qb.where('id', '>', after!))
      .orderBy('id')
      .limit(SEED_BATCH)
      .execute();
    // Statistics for the bulk-loaded tables, as a database that grew to this size has them.
    if (customers.length === 0) return void (await sql`ANALYZE customers, hubspot_field_state`.execute(db));
    after = customers.at(-1)!.id;
    const agreed = customers.map((customer) => agreedValues(customer as unknown as JsonObject, mappings));
    const companyIds = await control.seed(agreed.map((a) => a.hubspot));
    const batch = customers.map((c, i) => ({ customerId: c.id, companyId: companyIds[i]! }));
    await linkWithBases(
      db,
      batch,
      agreed.map((a) => a.bases),
      mappings,
      at,
    );
  }
}

/** The seeded customers whose number (in the BAN) is `offset` modulo `stride`, in BAN order. */
export async function customersEvery(db: Db, stride: number, offset: number): Promise<LinkedCustomer[]> {
  const rows = await db
    .selectFrom('customers')
    .select(['id', 'hubspot_company_id'])
    .where(sql<boolean>`substring(ban from 4)::int % ${stride} = ${offset}`)
    .orderBy('ban')
    .execute();
  return rows.map((r) => ({ customerId: r.id, companyId: r.hubspot_company_id! }));
}

async function globalMappings(db: Db): Promise<FieldMapping[]> {
  const rows = await db.selectFrom('hubspot_sync_config').selectAll().where('customer_id', 'is', null).orderBy('id').execute();
  return fieldMappingsSchema.parse(rows.map(rowToMapping));
}

/** Each field's canonical value (the base) and HubSpot's form of it (absent when empty). */
function agreedValues(customer: JsonObject, mappings: readonly FieldMapping[]) {
  const hubspot: Record<string, string> = {};
  const bases: Array<string | null> = [];
  for (const mapping of mappings) {
    const transform = transformFor(mapping.transform);
    const read = transform.fromWarp(getPath(customer, mapping.warpField));
    if (!read.ok) throw new Error(`seeded ${mapping.warpField} cannot be read: ${read.error.message}`);
    bases.push(read.value);
    if (read.value !== null) hubspot[mapping.hubspotProperty] = transform.toHubspot(read.value);
  }
  return { hubspot, bases };
}

type Bases = ReadonlyArray<ReadonlyArray<string | null>>;

async function linkWithBases(db: Db, batch: readonly LinkedCustomer[], bases: Bases, mappings: readonly FieldMapping[], at: Date) {
  const states = batch.flatMap(({ customerId }, i) =>
    mappings.map((m, k) => ({ customerId, warpField: m.warpField, property: m.hubspotProperty, base: bases[i]![k]! })),
  );
  await db.transaction().execute(async (tx) => {
    await sql`
      UPDATE customers SET hubspot_company_id = link.company_id, hubspot_link_status = 'LINKED'
      FROM unnest(${batch.map((b) => b.customerId)}::uuid[], ${batch.map((b) => b.companyId)}::text[]) AS link(customer_id, company_id)
      WHERE customers.id = link.customer_id`.execute(tx);
    await sql`
      INSERT INTO hubspot_field_state
        (customer_id, warp_field, hubspot_property, base_value, has_base, warp_changed_at, hubspot_changed_at, last_synced_at)
      SELECT s.customer_id, s.warp_field, s.hubspot_property, s.base_value, true, ${at}, ${at}, ${at}
      FROM unnest(${states.map((s) => s.customerId)}::uuid[], ${states.map((s) => s.warpField)}::text[],
        ${states.map((s) => s.property)}::text[], ${states.map((s) => s.base)}::text[])
        AS s(customer_id, warp_field, hubspot_property, base_value)`.execute(tx);
  });
}

/**
 * Changes made in WARP that the sync missed, as reconciliation finds them: the customer row
 * changed, and half of them with an outbox row that failed for good, half with none (lost).
 */
export async function changeInWarp(db: Db, customers: readonly LinkedCustomer[], label: string, at: Date): Promise<void> {
  const ids = customers.map((c) => c.customerId);
  await db.transaction().execute(async (tx) => {
    await tx
      .updateTable('customers')
      .set({ company_name: sql`company_name || ${` ${label}`}`, version: sql`version + 1`, updated_at: at, updated_by: 'bench-user' })
      .where('id', 'in', ids)
      .execute();
    const failed = ids.filter((_, i) => i % 2 === 0);
    await tx
      .insertInto('hubspot_sync_queue')
      .values(
        failed.map((customerId) => ({
          customer_id: customerId,
          operation: 'UPDATE' as const,
          origin: 'WARP' as const,
          changed_fields: ['company_name'],
          changed_at: at,
          changed_by: 'bench-user',
          status: 'FAILED' as const,
          published_at: at,
          processed_at: at,
          last_error: 'HubSpot refused the change (bench)',
        })),
      )
      .execute();
  });
}

/** A person's edits in HubSpot whose webhooks never came (the sandbox sends none here). */
export async function changeInHubspot(control: Control, customers: readonly LinkedCustomer[], label: string): Promise<void> {
  const EDITS_IN_FLIGHT = 16;
  for (let i = 0; i < customers.length; i += EDITS_IN_FLIGHT) {
    await Promise.all(customers.slice(i, i + EDITS_IN_FLIGHT).map((c) => control.editAsUser(c.companyId, { city: `Boulder ${label}` })));
  }
}

/**
 * The fields a chaos run edits, and what each side writes into them. The direction and conflict
 * rule come from the mapping the database holds (sql/0006), so "expected" follows the real rules:
 * a one-way field ends at its owner's last write (a wrong-side edit is put back), a
 * BIDIRECTIONAL LATEST_WINS field at the last write of either side, by the time each side
 * recorded it (a tie goes to WARP, as in decideField).
 */
import type { Db } from '../../shared/db/database.js';

export type Side = 'WARP' | 'HUBSPOT';

export interface ChaosField {
  warpField: string;
  hubspotProperty: string;
  direction: 'BIDIRECTIONAL' | 'WARP_TO_HUBSPOT' | 'HUBSPOT_TO_WARP';
  conflictRule: string;
  /** The value edit number `n` writes from `side`. */
  value(side: Side, n: number): string;
  /** Canonical form for comparing what WARP and HubSpot hold. */
  canonical(value: unknown): string;
}

const text = (v: unknown) => (v === null || v === undefined ? '' : String(v).trim());
const money = (v: unknown) => (text(v) === '' ? '' : Number(text(v)).toFixed(2));
const STATUSES = ['ACTIVE', 'SUSPENDED', 'TRIAL'];

const SPECS: Record<string, Pick<ChaosField, 'value' | 'canonical'>> = {
  company_name: { value: (s, n) => `${s[0]}${n} Co`, canonical: text },
  legal_name: { value: (s, n) => `${s[0]}${n} Legal`, canonical: text },
  'address.city': { value: (s, n) => `${s[0]}${n} City`, canonical: text },
  'address.line1': { value: (s, n) => `${s[0]}${n} Main St`, canonical: text },
  status: { value: (_s, n) => STATUSES[n % STATUSES.length]!, canonical: text },
  credit_limit: { value: (_s, n) => `${1000 + n}.00`, canonical: money },
};

/** Mapped fields the scenario edits, with their stored direction and rule. */
export async function loadChaosFields(db: Db): Promise<{ fields: ChaosField[]; skipped: string[] }> {
  const rows = await db
    .selectFrom('hubspot_sync_config')
    .selectAll()
    .where('customer_id', 'is', null)
    .where('warp_field', 'in', Object.keys(SPECS))
    .execute();
  const fields: ChaosField[] = [];
  const skipped: string[] = [];
  for (const row of rows) {
    const known = row.direction !== 'NONE' && (row.direction !== 'BIDIRECTIONAL' || row.conflict_rule === 'LATEST_WINS');
    if (!known || row.enabled === false) {
      skipped.push(`${row.warp_field} (${row.direction}/${row.conflict_rule})`);
      continue;
    }
    fields.push({
      warpField: row.warp_field,
      hubspotProperty: row.hubspot_property,
      direction: row.direction as ChaosField['direction'],
      conflictRule: row.conflict_rule,
      ...SPECS[row.warp_field]!,
    });
  }
  return { fields: fields.sort((a, b) => a.warpField.localeCompare(b.warpField)), skipped };
}

/** Which sides may write a field: WARP's API refuses HubSpot-owned fields (409). */
export function writersOf(field: ChaosField): Side[] {
  return field.direction === 'HUBSPOT_TO_WARP' ? ['HUBSPOT'] : ['WARP', 'HUBSPOT'];
}

export interface RecordedWrite {
  side: Side;
  value: string;
  /** When that side recorded it: the customer row's updated_at, or HubSpot's history timestamp. */
  at: number;
  edit: number;
}

/** The value both sides must end with, given every write of the field (creation included). */
export function expectedWrite(field: ChaosField, writes: readonly RecordedWrite[]): RecordedWrite | undefined {
  const owner: Side | undefined =
    field.direction === 'WARP_TO_HUBSPOT' ? 'WARP' : field.direction === 'HUBSPOT_TO_WARP' ? 'HUBSPOT' : undefined;
  const counted = owner ? writes.filter((w) => w.side === owner) : writes;
  let best: RecordedWrite | undefined;
  for (const w of counted) {
    if (!best || w.at > best.at || (w.at === best.at && w.side === 'WARP' && best.side !== 'WARP')) best = w;
  }
  return best;
}

/** Reads `address.city`-style paths from a customer row. */
export function warpValueOf(row: Record<string, unknown>, warpField: string): unknown {
  return warpField
    .split('.')
    .reduce<unknown>((v, key) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined), row);
}

/** The PUT body that sets one field. */
export function warpPatch(warpField: string, value: string): Record<string, unknown> {
  const [head, tail] = warpField.split('.');
  return tail ? { [head!]: { [tail]: value } } : { [head!]: value };
}

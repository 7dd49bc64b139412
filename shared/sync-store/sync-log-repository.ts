import type { Insertable } from 'kysely';
import type { DbOrTx } from '../db/database.js';
import type { HubspotSyncLogTable } from '../db/tables/hubspot-sync.js';

export type NewSyncLogEntry = Insertable<HubspotSyncLogTable>;

/** Field changes as the log keeps them: per WARP field, the HubSpot property and both values. */
export type LoggedFieldChanges = Record<string, { hubspotProperty: string; old: unknown; new: unknown; reason?: string }>;

/** One multi-row insert; the audit trail on-call reads (one row per sync operation). */
export async function insertSyncLog(db: DbOrTx, entries: readonly NewSyncLogEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db
    .insertInto('hubspot_sync_log')
    .values([...entries])
    .execute();
}

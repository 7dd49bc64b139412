import { z } from 'zod';

/**
 * Change times from HubSpot's `propertiesWithHistory`. The newest entry of a property tells when
 * it last changed and who changed it; the planner needs the time (LATEST_WINS, stale events) and
 * the log wants to know whether that change was our own write coming back (an echo).
 */
export const historyEntrySchema = z.looseObject({
  value: z.string().nullable().optional(),
  timestamp: z.iso.datetime({ offset: true }),
  sourceType: z.string(),
  sourceId: z.string().nullable().optional(),
});
export const propertiesWithHistorySchema = z.record(z.string(), z.array(historyEntrySchema));

export type HistoryEntry = z.infer<typeof historyEntrySchema>;
export type PropertiesWithHistory = z.infer<typeof propertiesWithHistorySchema>;

export interface LatestChange {
  value: string | null;
  changedAt: Date;
  sourceType: string;
  sourceId: string | null;
}

/**
 * The latest change per property (the entry with the greatest timestamp: HubSpot lists newest
 * first, but we do not bet correctness on an ordering). Properties without history are absent.
 */
export function latestPropertyChanges(history: PropertiesWithHistory): Record<string, LatestChange> {
  const result: Record<string, LatestChange> = {};
  for (const [property, entries] of Object.entries(history)) {
    for (const entry of entries) {
      const changedAt = new Date(entry.timestamp);
      const known = result[property];
      if (known && known.changedAt.getTime() >= changedAt.getTime()) continue;
      result[property] = {
        value: entry.value ?? null,
        changedAt,
        sourceType: entry.sourceType,
        sourceId: entry.sourceId ?? null,
      };
    }
  }
  return result;
}

/**
 * What the planner takes from the history: each property's last change time, the properties
 * whose last change was our own app's write (none when the app id is unknown), and for those the
 * newest change by anyone else under it: a person's edit that a late write of ours may have buried
 * (see HubspotValue.buriedEdit).
 */
export function hubspotChangesOf(
  history: PropertiesWithHistory,
  appId: string | number | undefined,
): { changedAt: Record<string, Date>; writtenByUs: Set<string>; buriedEdits: Record<string, LatestChange> } {
  const latest = Object.entries(latestPropertyChanges(history));
  const isOurs = (change: HistoryEntry | LatestChange) => appId !== undefined && isOwnIntegrationChange(change, appId);
  const ours = latest.filter(([, change]) => isOurs(change)).map(([property]) => property);
  const buriedEdits: Record<string, LatestChange> = {};
  for (const property of ours) {
    const newest = latestPropertyChanges({ [property]: (history[property] ?? []).filter((entry) => !isOurs(entry)) })[property];
    if (newest) buriedEdits[property] = newest;
  }
  return {
    changedAt: Object.fromEntries(latest.map(([property, change]) => [property, change.changedAt])),
    writtenByUs: new Set(ours),
    buriedEdits,
  };
}

/** True when the change was written by our own app (sourceType INTEGRATION, sourceId = app id). */
export function isOwnIntegrationChange(change: { sourceType: string; sourceId?: string | null }, appId: string | number): boolean {
  return change.sourceType === 'INTEGRATION' && change.sourceId === String(appId);
}

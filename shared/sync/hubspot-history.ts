import type { HubspotSide } from './plan-customer.js';

/**
 * Change times from HubSpot's `propertiesWithHistory`. The newest entry of a property tells when
 * it last changed and who changed it; the planner needs the time (LATEST_WINS, stale events) and
 * the log wants to know whether that change was our own write coming back (an echo). Entries come
 * from the HubSpot adapter, which checked each timestamp once, as it read them: a read with history
 * brings thousands.
 */
export interface HistoryEntry {
  value?: string | null;
  timestamp: Date;
  sourceType: string;
  sourceId?: string | null;
}

export type PropertiesWithHistory = Readonly<Record<string, readonly HistoryEntry[]>>;

export interface LatestChange {
  value: string | null;
  changedAt: Date;
  sourceType: string;
  sourceId: string | null;
}

/** The entry with the greatest timestamp: HubSpot lists newest first, but we do not bet correctness on an ordering. */
function newestOf(entries: readonly HistoryEntry[]): HistoryEntry | undefined {
  let newest: HistoryEntry | undefined;
  for (const entry of entries) if (!newest || entry.timestamp.getTime() > newest.timestamp.getTime()) newest = entry;
  return newest;
}

function changeOf(entry: HistoryEntry): LatestChange {
  return { value: entry.value ?? null, changedAt: entry.timestamp, sourceType: entry.sourceType, sourceId: entry.sourceId ?? null };
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
  const isOurs = (change: HistoryEntry) => appId !== undefined && isOwnIntegrationChange(change, appId);
  const changedAt: Record<string, Date> = {};
  const writtenByUs = new Set<string>();
  const buriedEdits: Record<string, LatestChange> = {};
  for (const [property, entries] of Object.entries(history)) {
    const newest = newestOf(entries);
    if (!newest) continue;
    changedAt[property] = newest.timestamp;
    if (!isOurs(newest)) continue;
    writtenByUs.add(property);
    const buried = newestOf(entries.filter((entry) => !isOurs(entry)));
    if (buried) buriedEdits[property] = changeOf(buried);
  }
  return { changedAt, writtenByUs, buriedEdits };
}

/** HubSpot's side of a company read with its history, for the planner. */
export function hubspotSideOf(
  company: { properties: HubspotSide['properties']; propertiesWithHistory?: PropertiesWithHistory },
  appId: string | number | undefined,
): HubspotSide {
  return { properties: company.properties, ...hubspotChangesOf(company.propertiesWithHistory ?? {}, appId) };
}

/** True when the change was written by our own app (sourceType INTEGRATION, sourceId = app id). */
export function isOwnIntegrationChange(change: { sourceType: string; sourceId?: string | null }, appId: string | number): boolean {
  return change.sourceType === 'INTEGRATION' && change.sourceId === String(appId);
}

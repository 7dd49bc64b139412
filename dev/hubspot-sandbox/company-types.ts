/** Company records as the sandbox stores them, and the changes it reports to webhooks and the search index. */

/** Who wrote: `INTEGRATION` + app id for API calls, `CRM_UI` + `userId:<n>` for a person in HubSpot. */
export interface Actor {
  changeSource: string;
  sourceId: string;
}

export interface HistoryEntry {
  value: string;
  timestamp: string;
  sourceType: string;
  sourceId: string;
}

export interface CompanyRecord {
  id: string;
  createdAt: number;
  updatedAt: number;
  archived: boolean;
  archivedAt?: number;
  /** Set when this record was merged away; reads by its id land on the survivor. */
  mergedInto?: string;
  values: Map<string, string>;
  /** Newest first, per property. */
  history: Map<string, HistoryEntry[]>;
}

interface EventBase {
  objectId: string;
  actor: Actor;
  occurredAt: number;
}

export type CompanyEvent =
  | (EventBase & { kind: 'creation' | 'deletion' | 'restore' })
  | (EventBase & { kind: 'propertyChange'; propertyName: string; propertyValue: string })
  | (EventBase & {
      kind: 'merge';
      primaryObjectId: string;
      mergedObjectIds: string[];
      newObjectId: string;
      numberOfPropertiesMoved: number;
    });

export interface StoreListener {
  /** Any change to a record's stored state (the search index re-reads it). */
  recordChanged(record: CompanyRecord): void;
  /** A change HubSpot would announce by webhook. */
  event(event: CompanyEvent): void;
}

import type { Generated } from 'kysely';
import type { JsonObject } from './customers.js';

export type SyncDirection = 'WARP_TO_HUBSPOT' | 'HUBSPOT_TO_WARP' | 'BIDIRECTIONAL' | 'NONE';
export type ConflictRuleName = 'WARP_WINS' | 'HUBSPOT_WINS' | 'LATEST_WINS' | 'MANUAL';
export type OutboxOperation = 'CREATE' | 'UPDATE' | 'RESYNC';
export type OutboxOrigin = 'WARP' | 'HUBSPOT' | 'RECONCILIATION' | 'OPERATOR';
export type OutboxStatus = 'PENDING' | 'PROCESSING' | 'DONE' | 'FAILED' | 'PARKED';
export type SyncLogDirection = 'WARP_TO_HUBSPOT' | 'HUBSPOT_TO_WARP' | 'NONE';
export type SyncLogStatus = 'SUCCESS' | 'FAILED' | 'SKIPPED' | 'CONFLICT' | 'RETRYING';
/** QUEUED: requested over the API, not yet picked up by the reconcile worker. */
export type ReconciliationRunStatus = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED';
export type WebhookEventStatus = 'RECEIVED' | 'PUBLISHED' | 'PROCESSED' | 'IGNORED' | 'FAILED';

/** bigserial / bigint columns come back from pg as strings (they can exceed 2^53). */
type BigIntId = Generated<string>;

export interface HubspotSyncConfigTable {
  id: BigIntId;
  customer_id: string | null;
  warp_field: string;
  hubspot_property: string;
  direction: SyncDirection;
  conflict_rule: ConflictRuleName;
  transform: Generated<JsonObject>;
  enabled: Generated<boolean>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  updated_by: string | null;
}

export interface HubspotFieldStateTable {
  customer_id: string;
  warp_field: string;
  hubspot_property: string;
  base_value: string | null;
  /** False while a conflict is open on a field both sides never agreed on. */
  has_base: Generated<boolean>;
  warp_changed_at: Date | null;
  hubspot_changed_at: Date | null;
  last_synced_at: Generated<Date>;
  conflict_status: Generated<'NONE' | 'OPEN'>;
  conflict_warp_value: string | null;
  conflict_hubspot_value: string | null;
  conflict_warp_at: Date | null;
  conflict_hubspot_at: Date | null;
  conflict_opened_at: Date | null;
}

export interface HubspotSyncQueueTable {
  id: BigIntId;
  customer_id: string;
  operation: OutboxOperation;
  origin: OutboxOrigin;
  changed_fields: Generated<string[]>;
  old_values: Generated<JsonObject>;
  new_values: Generated<JsonObject>;
  changed_at: Generated<Date>;
  changed_by: string | null;
  status: Generated<OutboxStatus>;
  published_at: Date | null;
  publish_attempts: Generated<number>;
  claimed_at: Date | null;
  claimed_by: string | null;
  attempts: Generated<number>;
  next_attempt_at: Date | null;
  processed_at: Date | null;
  last_error: string | null;
  created_at: Generated<Date>;
}

export interface HubspotSyncLogTable {
  id: BigIntId;
  customer_id: string | null;
  hubspot_company_id: string | null;
  direction: SyncLogDirection;
  operation: string;
  status: SyncLogStatus;
  fields: Generated<JsonObject>;
  error_code: string | null;
  error_message: string | null;
  outbox_id: string | null;
  webhook_event_id: string | null;
  reconciliation_run_id: string | null;
  trace_id: string | null;
  created_at: Generated<Date>;
}

export interface HubspotWebhookEventsTable {
  id: BigIntId;
  dedupe_key: string;
  event_id: string;
  subscription_id: string | null;
  portal_id: string | null;
  app_id: string | null;
  subscription_type: string;
  object_id: string;
  property_name: string | null;
  property_value: string | null;
  change_source: string | null;
  source_id: string | null;
  occurred_at: Date;
  attempt_number: number | null;
  payload: JsonObject;
  received_at: Generated<Date>;
  published_at: Date | null;
  status: Generated<WebhookEventStatus>;
  ignore_reason: string | null;
  processing_error: string | null;
  processing_attempts: Generated<number>;
  processed_at: Date | null;
}

export interface HubspotReconciliationRunsTable {
  id: BigIntId;
  trigger: 'SCHEDULER' | 'OPERATOR';
  customer_id: string | null;
  status: Generated<ReconciliationRunStatus>;
  started_at: Generated<Date>;
  finished_at: Date | null;
  customers_checked: Generated<number>;
  customers_changed: Generated<number>;
  hubspot_calls: Generated<number>;
  errors: Generated<number>;
  cursor: string | null;
  error: string | null;
  customers_total: number | null;
  dry_run: Generated<boolean>;
  started_by: string | null;
}

/** What a sync would do to a field, as a dry run reports it. */
export type DiffDecision = 'push' | 'pull' | 'put_back' | 'conflict' | 'none';

export interface HubspotReconciliationDiffsTable {
  id: BigIntId;
  run_id: string;
  customer_id: string;
  warp_field: string;
  hubspot_property: string;
  warp_value: string | null;
  hubspot_value: string | null;
  decision: DiffDecision;
  reason: string;
}

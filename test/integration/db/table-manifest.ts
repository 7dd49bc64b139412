import type { Selectable } from 'kysely';
import type { Database } from '../../../shared/db/database.js';

/**
 * A runtime description of every Kysely table type, checked by the compiler:
 * each table must list exactly its interface's columns, the Postgres type must
 * fit the TypeScript type, and `nullable` must equal whether the type admits
 * null. The schema test compares this with the migrated database.
 */
type PgTypeFor<V> = [V] extends [Date]
  ? 'timestamp with time zone'
  : [V] extends [boolean]
    ? 'boolean'
    : [V] extends [number]
      ? 'integer'
      : [V] extends [string[]]
        ? 'ARRAY'
        : [V] extends [string]
          ? 'uuid' | 'text' | 'numeric' | 'bigint'
          : 'jsonb';

type ColumnSpec<V> = { type: PgTypeFor<NonNullable<V>>; nullable: null extends V ? true : false };
type TableSpec<T> = { [K in keyof Selectable<T>]-?: ColumnSpec<Selectable<T>[K]> };
export type Manifest = { [T in keyof Database]: TableSpec<Database[T]> };

const uuid = { type: 'uuid', nullable: false } as const;
const uuidNull = { type: 'uuid', nullable: true } as const;
const text = { type: 'text', nullable: false } as const;
const textNull = { type: 'text', nullable: true } as const;
const int = { type: 'integer', nullable: false } as const;
const intNull = { type: 'integer', nullable: true } as const;
const bigint = { type: 'bigint', nullable: false } as const;
const bigintNull = { type: 'bigint', nullable: true } as const;
const ts = { type: 'timestamp with time zone', nullable: false } as const;
const tsNull = { type: 'timestamp with time zone', nullable: true } as const;
const json = { type: 'jsonb', nullable: false } as const;
const jsonNull = { type: 'jsonb', nullable: true } as const;
const money = { type: 'numeric', nullable: false } as const;
const bool = { type: 'boolean', nullable: false } as const;

export const manifest: Manifest = {
  customers: {
    id: uuid,
    ban: text,
    company_name: text,
    legal_name: textNull,
    status: text,
    customer_type: text,
    contact: json,
    address: json,
    services: json,
    kyc_data: jsonNull,
    business_info: jsonNull,
    external_ids: json,
    custom_fields: jsonNull,
    credit_limit: { type: 'numeric', nullable: true },
    current_balance: money,
    prepaid_balance: money,
    payment_terms: int,
    billing_cycle: text,
    currency: text,
    hubspot_company_id: textNull,
    hubspot_link_status: text,
    version: int,
    created_at: ts,
    updated_at: ts,
    created_by: textNull,
    updated_by: textNull,
  },
  user_types: { id: uuid, name: text, description: textNull, created_at: ts },
  user_type_permissions: { user_type_id: uuid, resource_path: text, created_at: ts },
  users: {
    id: uuid,
    email: text,
    display_name: textNull,
    user_type_id: uuid,
    is_active: bool,
    created_at: ts,
    updated_at: ts,
  },
  user_customer_access: { user_id: uuid, customer_id: uuid, granted_by: textNull, granted_at: ts },
  idempotency_keys: {
    user_id: uuid,
    idempotency_key: text,
    request_hash: text,
    customer_id: uuidNull,
    response_status: int,
    response_body: json,
    created_at: ts,
  },
  hubspot_sync_config: {
    id: bigint,
    customer_id: uuidNull,
    warp_field: text,
    hubspot_property: text,
    direction: text,
    conflict_rule: text,
    transform: json,
    enabled: bool,
    created_at: ts,
    updated_at: ts,
    updated_by: textNull,
  },
  hubspot_field_state: {
    customer_id: uuid,
    warp_field: text,
    hubspot_property: text,
    base_value: textNull,
    has_base: bool,
    warp_changed_at: tsNull,
    hubspot_changed_at: tsNull,
    last_synced_at: ts,
    conflict_status: text,
    conflict_warp_value: textNull,
    conflict_hubspot_value: textNull,
    conflict_warp_at: tsNull,
    conflict_hubspot_at: tsNull,
    conflict_opened_at: tsNull,
  },
  hubspot_sync_queue: {
    id: bigint,
    customer_id: uuid,
    operation: text,
    origin: text,
    changed_fields: { type: 'ARRAY', nullable: false },
    old_values: json,
    new_values: json,
    changed_at: ts,
    changed_by: textNull,
    status: text,
    published_at: tsNull,
    publish_attempts: int,
    claimed_at: tsNull,
    claimed_by: textNull,
    attempts: int,
    next_attempt_at: tsNull,
    processed_at: tsNull,
    last_error: textNull,
    created_at: ts,
  },
  hubspot_sync_log: {
    id: bigint,
    customer_id: uuidNull,
    hubspot_company_id: textNull,
    direction: text,
    operation: text,
    status: text,
    fields: json,
    error_code: textNull,
    error_message: textNull,
    outbox_id: bigintNull,
    webhook_event_id: bigintNull,
    reconciliation_run_id: bigintNull,
    trace_id: textNull,
    created_at: ts,
  },
  hubspot_webhook_events: {
    id: bigint,
    dedupe_key: text,
    event_id: bigint,
    subscription_id: bigintNull,
    portal_id: bigintNull,
    app_id: bigintNull,
    subscription_type: text,
    object_id: bigint,
    property_name: textNull,
    property_value: textNull,
    change_source: textNull,
    source_id: textNull,
    occurred_at: ts,
    attempt_number: intNull,
    payload: json,
    received_at: ts,
    published_at: tsNull,
    status: text,
    ignore_reason: textNull,
    processing_error: textNull,
    processing_attempts: int,
    processed_at: tsNull,
  },
  hubspot_reconciliation_runs: {
    id: bigint,
    trigger: text,
    customer_id: uuidNull,
    status: text,
    started_at: ts,
    finished_at: tsNull,
    customers_checked: int,
    customers_changed: int,
    hubspot_calls: int,
    errors: int,
    cursor: textNull,
    error: textNull,
    customers_total: intNull,
    dry_run: bool,
    started_by: textNull,
  },
  hubspot_reconciliation_diffs: {
    id: bigint,
    run_id: bigint,
    customer_id: uuid,
    warp_field: text,
    hubspot_property: text,
    warp_value: textNull,
    hubspot_value: textNull,
    decision: text,
    reason: text,
  },
  hubspot_rate_budget: {
    bucket: text,
    reserved_at_ms: { type: 'ARRAY', nullable: false },
    blocked_until: tsNull,
    blocked_reason: textNull,
    updated_at: ts,
    daily_limit: intNull,
    daily_remaining: intNull,
    daily_observed_at: tsNull,
  },
  retention_state: { table_name: text, rows_purged: bigint, last_purged_at: ts },
  hubspot_match_runs: {
    id: bigint,
    status: text,
    dry_run: bool,
    min_confidence: money,
    message_id: textNull,
    started_by: textNull,
    applied_by: textNull,
    cursor: text,
    queued_at: ts,
    started_at: ts,
    finished_at: tsNull,
    customers_total: intNull,
    companies_listed: int,
    linked: int,
    hubspot_calls: int,
    errors: int,
    error: textNull,
  },
  hubspot_match_companies: {
    run_id: bigint,
    company_id: text,
    name: textNull,
    domain: textNull,
    warp_ban: textNull,
    country: textNull,
    zip: textNull,
    city: textNull,
  },
  hubspot_match_proposals: {
    id: bigint,
    run_id: bigint,
    customer_id: uuid,
    status: text,
    decision: text,
    company_id: textNull,
    rule: textNull,
    confidence: { type: 'numeric', nullable: true },
    ambiguity: textNull,
    contested_with: { type: 'ARRAY', nullable: false },
    candidates: json,
    apply_status: textNull,
    apply_error: textNull,
    differences: jsonNull,
    applied_at: tsNull,
  },
};

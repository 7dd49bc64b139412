import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import type { CustomersTable } from './tables/customers.js';
import type { UserCustomerAccessTable, UserTypePermissionsTable, UserTypesTable, UsersTable } from './tables/gatekeeper.js';
import type { IdempotencyKeysTable } from './tables/idempotency-keys.js';
import type {
  HubspotFieldStateTable,
  HubspotReconciliationDiffsTable,
  HubspotReconciliationRunsTable,
  HubspotSyncConfigTable,
  HubspotSyncLogTable,
  HubspotSyncQueueTable,
  HubspotWebhookEventsTable,
} from './tables/hubspot-sync.js';
import type { HubspotMatchCompaniesTable, HubspotMatchProposalsTable, HubspotMatchRunsTable } from './tables/hubspot-matching.js';
import type { HubspotRateBudgetTable } from './tables/hubspot-rate-budget.js';
import type { RetentionStateTable } from './tables/retention-state.js';

export interface Database {
  customers: CustomersTable;
  user_types: UserTypesTable;
  user_type_permissions: UserTypePermissionsTable;
  users: UsersTable;
  user_customer_access: UserCustomerAccessTable;
  idempotency_keys: IdempotencyKeysTable;
  hubspot_sync_config: HubspotSyncConfigTable;
  hubspot_field_state: HubspotFieldStateTable;
  hubspot_sync_queue: HubspotSyncQueueTable;
  hubspot_sync_log: HubspotSyncLogTable;
  hubspot_webhook_events: HubspotWebhookEventsTable;
  hubspot_reconciliation_runs: HubspotReconciliationRunsTable;
  hubspot_reconciliation_diffs: HubspotReconciliationDiffsTable;
  hubspot_rate_budget: HubspotRateBudgetTable;
  hubspot_match_runs: HubspotMatchRunsTable;
  hubspot_match_companies: HubspotMatchCompaniesTable;
  hubspot_match_proposals: HubspotMatchProposalsTable;
  retention_state: RetentionStateTable;
}

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;
/** Either the pool-backed instance or a transaction: repositories accept both. */
export type DbOrTx = Kysely<Database>;

export interface DbOptions {
  connectionString: string;
  /** Cloud Functions instances serve one request at a time by default: keep pools small. */
  maxConnections?: number;
  statementTimeoutMs?: number;
  applicationName?: string;
  /**
   * Called when a pooled connection dies (failover, restart, terminated session), idle or checked
   * out; the pool replaces it and the query that was using it fails on its own.
   */
  onConnectionError?: (err: Error) => void;
}

export function createDb(options: DbOptions): Db {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 5,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
    statement_timeout: options.statementTimeoutMs ?? 10_000,
    application_name: options.applicationName ?? 'warp-sync',
  });
  // An 'error' event nobody listens to kills the instance. The pool re-emits only idle clients'
  // errors, so each client gets a listener of its own that also covers it while checked out; the
  // pool's copy of the same error is then already reported.
  pool.on('connect', (client) => client.on('error', (err) => options.onConnectionError?.(err)));
  pool.on('error', () => undefined);
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/** Runs `fn` in one transaction: every multi-row change commits whole or not at all. */
export function inTransaction<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction().execute(fn);
}

-- What the retention purge has removed, per table (shared/retention/purge.ts); the sync status
-- shows it. One row per purged table, written after each pass that deleted something.
CREATE TABLE retention_state (
  table_name     text PRIMARY KEY,
  rows_purged    bigint NOT NULL DEFAULT 0,
  last_purged_at timestamptz NOT NULL
);

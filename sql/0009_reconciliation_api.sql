-- Reconciliation runs started over the sync API, dry runs and their diff reports.

-- QUEUED: requested over the API, the run row (and its id) exists before the reconcile worker
-- picks the request up, so the caller can follow it from the start.
ALTER TABLE hubspot_reconciliation_runs DROP CONSTRAINT hubspot_reconciliation_runs_status_check;
ALTER TABLE hubspot_reconciliation_runs ADD CONSTRAINT hubspot_reconciliation_runs_status_check
  CHECK (status IN ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED'));
ALTER TABLE hubspot_reconciliation_runs
  -- How many customers the run will check, known when its passes start; null until then.
  ADD COLUMN customers_total integer,
  -- A dry run plans every customer and writes only its diff report.
  ADD COLUMN dry_run boolean NOT NULL DEFAULT false,
  -- The API caller's user id; null for Pub/Sub requests (Cloud Scheduler, gcloud).
  ADD COLUMN started_by text;

-- The run in progress (single flight) is found without reading the run history.
CREATE INDEX hubspot_reconciliation_runs_active_idx ON hubspot_reconciliation_runs (id)
  WHERE status IN ('QUEUED', 'RUNNING');

-- What a dry run found, per customer and mapped field: both sides' canonical values and what
-- a sync would do. Written with the run's cursor, chunk by chunk; removed with its run.
CREATE TABLE hubspot_reconciliation_diffs (
  id               bigserial PRIMARY KEY,
  run_id           bigint NOT NULL REFERENCES hubspot_reconciliation_runs (id) ON DELETE CASCADE,
  customer_id      uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
  warp_field       text NOT NULL,
  hubspot_property text NOT NULL,
  warp_value       text,
  hubspot_value    text,
  decision         text NOT NULL CHECK (decision IN ('push', 'pull', 'put_back', 'conflict', 'none')),
  reason           text NOT NULL
);
CREATE INDEX hubspot_reconciliation_diffs_run_idx ON hubspot_reconciliation_diffs (run_id, id);
CREATE INDEX hubspot_reconciliation_diffs_decision_idx ON hubspot_reconciliation_diffs (run_id, decision, id);

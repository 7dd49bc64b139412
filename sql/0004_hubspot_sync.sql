-- The six tables behind WARP <-> HubSpot sync.

-- Field mappings: customer_id NULL is the global mapping; a row with a customer_id
-- overrides the global row of the same warp_field for that customer only.
CREATE TABLE hubspot_sync_config (
  id               bigserial PRIMARY KEY,
  customer_id      uuid REFERENCES customers (id) ON DELETE CASCADE,
  warp_field       text NOT NULL CHECK (warp_field ~ '^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$'),
  hubspot_property text NOT NULL CHECK (hubspot_property ~ '^[a-z0-9_]+$'),
  direction        text NOT NULL CHECK (direction IN ('WARP_TO_HUBSPOT', 'HUBSPOT_TO_WARP', 'BIDIRECTIONAL', 'NONE')),
  conflict_rule    text NOT NULL CHECK (conflict_rule IN ('WARP_WINS', 'HUBSPOT_WINS', 'LATEST_WINS', 'MANUAL')),
  transform        jsonb NOT NULL DEFAULT '{"name":"text"}' CHECK (jsonb_typeof(transform) = 'object'),
  enabled          boolean NOT NULL DEFAULT true,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  updated_by       text,
  UNIQUE NULLS NOT DISTINCT (customer_id, warp_field)
);

-- Per customer and field: the last value both sides agreed on (the base, in
-- canonical form), when each side last changed it, and any open MANUAL conflict.
-- No row means no base yet (first sync).
CREATE TABLE hubspot_field_state (
  customer_id            uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
  warp_field             text NOT NULL,
  hubspot_property       text NOT NULL,
  base_value             text,
  warp_changed_at        timestamptz,
  hubspot_changed_at     timestamptz,
  last_synced_at         timestamptz NOT NULL DEFAULT now(),
  conflict_status        text NOT NULL DEFAULT 'NONE' CHECK (conflict_status IN ('NONE', 'OPEN')),
  conflict_warp_value    text,
  conflict_hubspot_value text,
  conflict_warp_at       timestamptz,
  conflict_hubspot_at    timestamptz,
  conflict_opened_at     timestamptz,
  PRIMARY KEY (customer_id, warp_field)
);
CREATE INDEX hubspot_field_state_open_conflicts_idx ON hubspot_field_state (conflict_opened_at)
  WHERE conflict_status = 'OPEN';

-- The transactional outbox: one row per customer change, written in the same
-- transaction as the change, published to Pub/Sub after commit.
CREATE TABLE hubspot_sync_queue (
  id               bigserial PRIMARY KEY,
  customer_id      uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
  operation        text NOT NULL CHECK (operation IN ('CREATE', 'UPDATE', 'RESYNC')),
  -- Who caused the change: inbound HubSpot updates are marked so they never bounce back.
  origin           text NOT NULL CHECK (origin IN ('WARP', 'HUBSPOT', 'RECONCILIATION', 'OPERATOR')),
  changed_fields   text[] NOT NULL DEFAULT '{}',
  old_values       jsonb NOT NULL DEFAULT '{}',
  new_values       jsonb NOT NULL DEFAULT '{}',
  changed_at       timestamptz NOT NULL DEFAULT now(),
  changed_by       text,
  status           text NOT NULL DEFAULT 'PENDING'
                     CHECK (status IN ('PENDING', 'PROCESSING', 'DONE', 'FAILED', 'PARKED')),
  published_at     timestamptz,
  publish_attempts integer NOT NULL DEFAULT 0,
  claimed_at       timestamptz,
  claimed_by       text,
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz,
  processed_at     timestamptz,
  last_error       text,
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX hubspot_sync_queue_unpublished_idx ON hubspot_sync_queue (created_at) WHERE published_at IS NULL;
CREATE INDEX hubspot_sync_queue_open_idx ON hubspot_sync_queue (id) WHERE status IN ('PENDING', 'PROCESSING');
CREATE INDEX hubspot_sync_queue_customer_idx ON hubspot_sync_queue (customer_id, id);

-- One row per sync operation, successful or not: the audit trail on-call reads.
CREATE TABLE hubspot_sync_log (
  id                    bigserial PRIMARY KEY,
  customer_id           uuid REFERENCES customers (id) ON DELETE SET NULL,
  hubspot_company_id    text,
  direction             text NOT NULL CHECK (direction IN ('WARP_TO_HUBSPOT', 'HUBSPOT_TO_WARP', 'NONE')),
  operation             text NOT NULL,
  status                text NOT NULL CHECK (status IN ('SUCCESS', 'FAILED', 'SKIPPED', 'CONFLICT', 'RETRYING')),
  fields                jsonb NOT NULL DEFAULT '{}',
  error_code            text,
  error_message         text,
  outbox_id             bigint,
  webhook_event_id      bigint,
  reconciliation_run_id bigint,
  trace_id              text,
  created_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX hubspot_sync_log_customer_idx ON hubspot_sync_log (customer_id, created_at DESC);
CREATE INDEX hubspot_sync_log_created_idx ON hubspot_sync_log (created_at DESC);
CREATE INDEX hubspot_sync_log_failed_idx ON hubspot_sync_log (created_at DESC) WHERE status = 'FAILED';

-- Verified HubSpot webhook events, stored once: HubSpot's eventId alone is not
-- unique, so dedupe_key combines it with subscription, object, property and time.
CREATE TABLE hubspot_webhook_events (
  id                  bigserial PRIMARY KEY,
  dedupe_key          text NOT NULL UNIQUE,
  event_id            bigint NOT NULL,
  subscription_id     bigint,
  portal_id           bigint,
  app_id              bigint,
  subscription_type   text NOT NULL,
  object_id           bigint NOT NULL,
  property_name       text,
  property_value      text,
  change_source       text,
  source_id           text,
  occurred_at         timestamptz NOT NULL,
  attempt_number      integer,
  payload             jsonb NOT NULL,
  received_at         timestamptz NOT NULL DEFAULT now(),
  published_at        timestamptz,
  status              text NOT NULL DEFAULT 'RECEIVED'
                        CHECK (status IN ('RECEIVED', 'PUBLISHED', 'PROCESSED', 'IGNORED', 'FAILED')),
  ignore_reason       text,
  processing_error    text,
  processing_attempts integer NOT NULL DEFAULT 0,
  processed_at        timestamptz
);
CREATE INDEX hubspot_webhook_events_unpublished_idx ON hubspot_webhook_events (received_at) WHERE published_at IS NULL;
CREATE INDEX hubspot_webhook_events_object_idx ON hubspot_webhook_events (object_id, occurred_at);
CREATE INDEX hubspot_webhook_events_failed_idx ON hubspot_webhook_events (received_at) WHERE status = 'FAILED';

-- Daily (Cloud Scheduler) and operator-forced reconciliation runs.
CREATE TABLE hubspot_reconciliation_runs (
  id                bigserial PRIMARY KEY,
  trigger           text NOT NULL CHECK (trigger IN ('SCHEDULER', 'OPERATOR')),
  customer_id       uuid REFERENCES customers (id) ON DELETE SET NULL,
  status            text NOT NULL DEFAULT 'RUNNING' CHECK (status IN ('RUNNING', 'SUCCEEDED', 'FAILED')),
  started_at        timestamptz NOT NULL DEFAULT now(),
  finished_at       timestamptz,
  customers_checked integer NOT NULL DEFAULT 0,
  customers_changed integer NOT NULL DEFAULT 0,
  hubspot_calls     integer NOT NULL DEFAULT 0,
  errors            integer NOT NULL DEFAULT 0,
  cursor            text,
  error             text
);
CREATE INDEX hubspot_reconciliation_runs_started_idx ON hubspot_reconciliation_runs (started_at DESC);

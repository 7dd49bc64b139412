-- Indexes behind the sync operations API. GET /v1/sync/status answers from partial
-- indexes only (the backlog and failures are small next to the tables they live in),
-- and the log, conflict and failure pages are keyset scans (no OFFSET).

-- Outbox backlog: count and oldest row per status of the work not done yet.
CREATE INDEX hubspot_sync_queue_backlog_idx ON hubspot_sync_queue (status, created_at)
  WHERE status IN ('PENDING', 'PROCESSING', 'PARKED');
-- Outbox rows given up: counted, listed newest first, retried by id.
CREATE INDEX hubspot_sync_queue_failed_idx ON hubspot_sync_queue (id)
  WHERE status = 'FAILED';
-- Webhook events stored but not yet processed.
CREATE INDEX hubspot_webhook_events_unprocessed_idx ON hubspot_webhook_events (received_at)
  WHERE status IN ('RECEIVED', 'PUBLISHED');
-- Customers needing attention: any link status but the two healthy ones, so a status
-- added later is counted without another index.
CREATE INDEX customers_link_attention_idx ON customers (id)
  WHERE hubspot_link_status NOT IN ('UNLINKED', 'LINKED');
-- Sync log pages, newest first by id: per customer, and by status across customers.
CREATE INDEX hubspot_sync_log_customer_id_idx ON hubspot_sync_log (customer_id, id DESC);
CREATE INDEX hubspot_sync_log_status_id_idx ON hubspot_sync_log (status, id DESC);
-- The latest failure logged for an outbox row or webhook event (its error code).
CREATE INDEX hubspot_sync_log_failed_outbox_idx ON hubspot_sync_log (outbox_id, id DESC)
  WHERE status = 'FAILED' AND outbox_id IS NOT NULL;
CREATE INDEX hubspot_sync_log_failed_event_idx ON hubspot_sync_log (webhook_event_id, id DESC)
  WHERE status = 'FAILED' AND webhook_event_id IS NOT NULL;

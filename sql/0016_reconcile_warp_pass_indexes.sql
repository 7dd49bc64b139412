-- An incremental reconciliation's WARP pass reads what changed since the last run and the
-- customers no HubSpot page can show, not every customer: by last change, and the unlinked ones.
CREATE INDEX customers_updated_idx ON customers (updated_at);
CREATE INDEX customers_unlinked_idx ON customers (id) WHERE hubspot_link_status = 'UNLINKED';

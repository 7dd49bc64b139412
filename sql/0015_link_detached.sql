-- DETACHED: a person unlinked the customer from its HubSpot company. While hubspot_company_id
-- still names the company, the sync is clearing warp_ban on it; then the id goes and the customer
-- is not synced (no company is created for it) until it is linked again, by hand or a match run.
ALTER TABLE customers DROP CONSTRAINT customers_hubspot_link_status_check;
ALTER TABLE customers ADD CONSTRAINT customers_hubspot_link_status_check
  CHECK (hubspot_link_status IN ('UNLINKED', 'LINKED', 'DELETED', 'NEEDS_ATTENTION', 'DETACHED'));

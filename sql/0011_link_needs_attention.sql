-- A customer whose HubSpot company (matched by warp_ban) is linked to another customer stays
-- unlinked and waits for a person; the sync marks it so status and the runbook can find it.
ALTER TABLE customers DROP CONSTRAINT customers_hubspot_link_status_check;
ALTER TABLE customers ADD CONSTRAINT customers_hubspot_link_status_check
  CHECK (hubspot_link_status IN ('UNLINKED', 'LINKED', 'DELETED', 'NEEDS_ATTENTION'));

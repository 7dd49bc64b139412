-- The global default field mapping (customer_id NULL) the sync starts with.
-- Source of truth: DEFAULT_FIELD_MAPPINGS in shared/sync/default-mapping.ts; the test
-- test/integration/field-sync/default-mapping-seed.test.ts fails when the two differ.
-- Existing global rows are left alone, so an operator's edits survive re-seeding.
INSERT INTO hubspot_sync_config (customer_id, warp_field, hubspot_property, direction, conflict_rule, transform, updated_by)
SELECT NULL, warp_field, hubspot_property, direction, conflict_rule, transform, 'migration:0006'
FROM (VALUES
  ('ban', 'warp_ban', 'WARP_TO_HUBSPOT', 'WARP_WINS', '{"name":"text"}'::jsonb),
  ('status', 'warp_status', 'WARP_TO_HUBSPOT', 'WARP_WINS', '{"name":"enum","values":{"ACTIVE":"ACTIVE","SUSPENDED":"SUSPENDED","TRIAL":"TRIAL","CLOSED":"CLOSED"}}'::jsonb),
  ('current_balance', 'warp_current_balance', 'WARP_TO_HUBSPOT', 'WARP_WINS', '{"name":"money"}'::jsonb),
  ('prepaid_balance', 'warp_prepaid_balance', 'WARP_TO_HUBSPOT', 'WARP_WINS', '{"name":"money"}'::jsonb),
  ('customer_type', 'warp_customer_type', 'WARP_TO_HUBSPOT', 'WARP_WINS', '{"name":"enum","values":{"PREPAID":"PREPAID","POSTPAID":"POSTPAID","RESELLER":"RESELLER"}}'::jsonb),
  ('billing_cycle', 'warp_billing_cycle', 'WARP_TO_HUBSPOT', 'WARP_WINS', '{"name":"enum","values":{"WEEKLY":"WEEKLY","MONTHLY":"MONTHLY","QUARTERLY":"QUARTERLY","ANNUAL":"ANNUAL"}}'::jsonb),
  ('credit_limit', 'warp_credit_limit', 'HUBSPOT_TO_WARP', 'HUBSPOT_WINS', '{"name":"money"}'::jsonb),
  ('payment_terms', 'warp_payment_terms', 'HUBSPOT_TO_WARP', 'HUBSPOT_WINS', '{"name":"integer"}'::jsonb),
  ('company_name', 'name', 'BIDIRECTIONAL', 'LATEST_WINS', '{"name":"text"}'::jsonb),
  ('legal_name', 'warp_legal_name', 'BIDIRECTIONAL', 'LATEST_WINS', '{"name":"text"}'::jsonb),
  ('contact.email', 'warp_contact_email', 'BIDIRECTIONAL', 'LATEST_WINS', '{"name":"email"}'::jsonb),
  ('contact.phone', 'phone', 'BIDIRECTIONAL', 'LATEST_WINS', '{"name":"phone"}'::jsonb),
  ('address.line1', 'address', 'BIDIRECTIONAL', 'LATEST_WINS', '{"name":"text"}'::jsonb),
  ('address.line2', 'address2', 'BIDIRECTIONAL', 'LATEST_WINS', '{"name":"text"}'::jsonb),
  ('address.city', 'city', 'BIDIRECTIONAL', 'LATEST_WINS', '{"name":"text"}'::jsonb),
  ('address.state', 'state', 'BIDIRECTIONAL', 'LATEST_WINS', '{"name":"text"}'::jsonb),
  ('address.zip', 'zip', 'BIDIRECTIONAL', 'LATEST_WINS', '{"name":"text"}'::jsonb),
  ('address.country', 'country', 'BIDIRECTIONAL', 'LATEST_WINS', '{"name":"country"}'::jsonb),
  ('external_ids.hubspot_company_id', 'hs_object_id', 'NONE', 'WARP_WINS', '{"name":"identity"}'::jsonb)
) AS defaults (warp_field, hubspot_property, direction, conflict_rule, transform)
ON CONFLICT (customer_id, warp_field) DO NOTHING;

-- Customers: WARP's system of record for billing accounts.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE customers (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  ban                 text NOT NULL UNIQUE CHECK (ban ~ '^[A-Z]{2}-[0-9]{9}$'),
  company_name        text NOT NULL CHECK (length(btrim(company_name)) BETWEEN 1 AND 255),
  legal_name          text CHECK (legal_name IS NULL OR length(legal_name) <= 255),
  status              text NOT NULL DEFAULT 'ACTIVE'
                        CHECK (status IN ('ACTIVE', 'SUSPENDED', 'TRIAL', 'CLOSED')),
  customer_type       text NOT NULL CHECK (customer_type IN ('PREPAID', 'POSTPAID', 'RESELLER')),
  contact             jsonb NOT NULL CHECK (jsonb_typeof(contact) = 'object'),
  address             jsonb NOT NULL CHECK (jsonb_typeof(address) = 'object'),
  services            jsonb NOT NULL DEFAULT '{"voice":{"enabled":false,"types":[]},"messaging":{"enabled":false,"types":[]},"telecom_data":{"enabled":false,"types":[]}}'
                        CHECK (jsonb_typeof(services) = 'object'),
  kyc_data            jsonb CHECK (kyc_data IS NULL OR jsonb_typeof(kyc_data) = 'object'),
  business_info       jsonb CHECK (business_info IS NULL OR jsonb_typeof(business_info) = 'object'),
  external_ids        jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(external_ids) = 'object'),
  custom_fields       jsonb CHECK (custom_fields IS NULL OR jsonb_typeof(custom_fields) = 'object'),
  credit_limit        numeric(12,2) CHECK (credit_limit IS NULL OR credit_limit >= 0),
  current_balance     numeric(12,2) NOT NULL DEFAULT 0,
  prepaid_balance     numeric(12,2) NOT NULL DEFAULT 0,
  payment_terms       integer NOT NULL DEFAULT 30 CHECK (payment_terms BETWEEN 0 AND 365),
  billing_cycle       text NOT NULL DEFAULT 'MONTHLY'
                        CHECK (billing_cycle IN ('WEEKLY', 'MONTHLY', 'QUARTERLY', 'ANNUAL')),
  currency            text NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
  -- The HubSpot company this customer is linked to; the link's state is kept beside it.
  hubspot_company_id  text UNIQUE,
  hubspot_link_status text NOT NULL DEFAULT 'UNLINKED'
                        CHECK (hubspot_link_status IN ('UNLINKED', 'LINKED', 'DELETED')),
  -- Bumped on every write; the ETag is derived from it (optimistic concurrency).
  version             integer NOT NULL DEFAULT 1,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  created_by          text,
  updated_by          text
);

-- Stable paging: newest first, id as the tie-breaker; the status filter has its own.
CREATE INDEX customers_created_idx ON customers (created_at DESC, id DESC);
CREATE INDEX customers_status_created_idx ON customers (status, created_at DESC, id DESC);
-- Case-insensitive substring search (ILIKE '%term%') on name, legal name and BAN.
CREATE INDEX customers_company_name_trgm ON customers USING gin (company_name gin_trgm_ops);
CREATE INDEX customers_legal_name_trgm ON customers USING gin (legal_name gin_trgm_ops);
CREATE INDEX customers_ban_trgm ON customers USING gin (ban gin_trgm_ops);

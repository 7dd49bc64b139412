-- Match runs: onboarding a HubSpot portal whose companies sales created by hand. A run lists
-- every company once, proposes at most one company per unlinked customer and, unless it is a
-- dry run, links the unambiguous proposals; a dry run's report can be applied later.

CREATE TABLE hubspot_match_runs (
  id              bigserial PRIMARY KEY,
  -- QUEUED: requested (over the API, or an apply of a reviewed report) and not yet picked up.
  status          text NOT NULL DEFAULT 'QUEUED' CHECK (status IN ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED')),
  dry_run         boolean NOT NULL,
  -- Proposals below this confidence are reported and never linked.
  min_confidence  numeric(3, 2) NOT NULL CHECK (min_confidence BETWEEN 0 AND 1),
  -- The Pub/Sub request's message id: its redelivery resumes the run. Null for API runs.
  message_id      text UNIQUE,
  -- The API caller's user id; null for a Pub/Sub request.
  started_by      text,
  -- Who applied a reviewed dry run's report (the run itself applies a real run's).
  applied_by      text,
  -- Where the run got to (JSON, shared/matching/match-run-request.ts), saved with each step's work.
  cursor          text NOT NULL,
  -- When it was last queued (a new run, or an apply): a request never picked up stops blocking.
  queued_at       timestamptz NOT NULL DEFAULT now(),
  started_at      timestamptz NOT NULL DEFAULT now(),
  finished_at     timestamptz,
  customers_total integer,
  companies_listed integer NOT NULL DEFAULT 0,
  linked          integer NOT NULL DEFAULT 0,
  hubspot_calls   integer NOT NULL DEFAULT 0,
  errors          integer NOT NULL DEFAULT 0,
  error           text
);
CREATE INDEX hubspot_match_runs_active_idx ON hubspot_match_runs (id) WHERE status IN ('QUEUED', 'RUNNING');

-- The companies a run listed, page by page with its cursor, so a resumed run does not list
-- them again; removed once the report is written.
CREATE TABLE hubspot_match_companies (
  run_id     bigint NOT NULL REFERENCES hubspot_match_runs (id) ON DELETE CASCADE,
  company_id text NOT NULL,
  name       text,
  domain     text,
  warp_ban   text,
  country    text,
  zip        text,
  city       text,
  PRIMARY KEY (run_id, company_id)
);

-- The report: one proposal per customer, with its rule, candidates and decision, and once
-- applied, what the link did.
CREATE TABLE hubspot_match_proposals (
  id             bigserial PRIMARY KEY,
  run_id         bigint NOT NULL REFERENCES hubspot_match_runs (id) ON DELETE CASCADE,
  customer_id    uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
  status         text NOT NULL CHECK (status IN ('MATCHED', 'AMBIGUOUS', 'NONE')),
  decision       text NOT NULL CHECK (decision IN ('LINK', 'BELOW_MIN_CONFIDENCE', 'AMBIGUOUS', 'NO_MATCH')),
  company_id     text,
  rule           text CHECK (rule IN ('WARP_BAN', 'DOMAIN', 'NAME_LOCATION', 'NAME')),
  confidence     numeric(3, 2),
  -- AMBIGUOUS: EQUAL_CANDIDATES or COMPANY_CONTESTED, and the rival customers of the latter.
  ambiguity      text,
  contested_with text[] NOT NULL DEFAULT '{}',
  candidates     jsonb NOT NULL,
  -- PENDING: chosen to be linked; LINKED or FAILED once tried (apply_error says why).
  apply_status   text CHECK (apply_status IN ('PENDING', 'LINKED', 'FAILED')),
  apply_error    text,
  -- The mapped fields the two sides disagreed on when linked: the first sync settles them by rule.
  differences    jsonb,
  applied_at     timestamptz,
  UNIQUE (run_id, customer_id)
);
CREATE INDEX hubspot_match_proposals_run_idx ON hubspot_match_proposals (run_id, id);
CREATE INDEX hubspot_match_proposals_decision_idx ON hubspot_match_proposals (run_id, decision, id);
CREATE INDEX hubspot_match_proposals_apply_idx ON hubspot_match_proposals (run_id, id) WHERE apply_status = 'PENDING';

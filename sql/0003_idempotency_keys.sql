-- Idempotent creates: a retried POST with the same Idempotency-Key (per user)
-- returns the first result; a different body under the same key is refused.
CREATE TABLE idempotency_keys (
  user_id         uuid NOT NULL,
  idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
  request_hash    text NOT NULL,
  customer_id     uuid REFERENCES customers (id) ON DELETE CASCADE,
  response_status integer NOT NULL,
  response_body   jsonb NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, idempotency_key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
